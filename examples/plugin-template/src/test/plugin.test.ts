// The plugin's own tests, with node:test and the SDK's test harness (no mdevctl needed): the
// harness applies the plugin as mdevctl does — claims included — on a host made of plain data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHarness } from '@mdevctl/plugin-sdk/testing';
import type { MdevDevice, MdevTypeInfo } from '@mdevctl/plugin-sdk';
import createPlugin, { PLUGIN_NAME } from '../index.js';

const mdpy = (uuid: string, type = 'mdpy-xga'): MdevDevice => ({ uuid, parent: 'mdpy', type, start: 'manual', attrs: [] });
const U = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const MDPY_TYPE: MdevTypeInfo = { parent: 'mdpy', type: 'mdpy-hd', availableInstances: 4, deviceApi: 'vfio-pci' };

test('a define over the limit is rejected with a clear message', async () => {
  const h = await createTestHarness(createPlugin, {
    options: { maxDefined: 2 },
    host: { definitions: [mdpy(U(1)), mdpy(U(2))], types: [MDPY_TYPE] },
  });
  const problems = await h.validate(mdpy(U(3)));
  assert.deepEqual(problems, [
    { severity: 'error', source: PLUGIN_NAME, message: 'Parent mdpy already has 2 defined devices; the limit is 2' },
  ]);
});

test('a define under the limit passes; a missing parent is only a warning', async () => {
  const h = await createTestHarness(createPlugin, { host: { definitions: [mdpy(U(1))] } });
  const problems = await h.validate(mdpy(U(2)));
  assert.deepEqual(problems.map((p) => p.severity), ['warning']);
  assert.match(problems[0]?.message ?? '', /not present/);
});

test('devices of other parents are not this plugin’s business', async () => {
  const h = await createTestHarness(createPlugin, { options: { maxDefined: 1 }, host: { definitions: [mdpy(U(1))] } });
  const mtty: MdevDevice = { uuid: U(2), parent: 'mtty', type: 'mtty-1', start: 'manual', attrs: [] };
  assert.deepEqual(await h.validate(mtty), []);
  assert.deepEqual(await h.listDevice(mtty), { lines: [], fields: {} });
});

test('listing: a display line and a JSON field for devices, a line for types', async () => {
  const h = await createTestHarness(createPlugin);
  assert.deepEqual(await h.listDevice(mdpy(U(1), 'mdpy-vga')), {
    lines: ['Display: 640x480'],
    fields: { display: { width: 640, height: 480 } },
  });
  assert.deepEqual((await h.listType(MDPY_TYPE)).lines, ['Display: 1920x1080']);
});

test('bad options make the plugin fail to load', async () => {
  await assert.rejects(createTestHarness(createPlugin, { options: { maxDefined: 0 } }), /maxDefined must be a whole number/);
});
