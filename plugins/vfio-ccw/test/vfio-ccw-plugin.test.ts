// The vfio-ccw plugin on its own, through the SDK's test harness: subchannel ids, the vfio_ccw
// binding at start, one device per subchannel (auto definitions at define/modify/validate,
// running devices at start), several problems in one run, and the hints on kernel refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHarness } from '@mdevctl/plugin-sdk/testing';
import type { ActiveDevice, KernelRefusal, MdevDevice } from '@mdevctl/plugin-sdk';
import createPlugin, { subchannelIdProblem } from '@mdevctl/plugin-vfio-ccw';

const U1 = '11111111-1111-4111-8111-000000000001';
const U2 = '11111111-1111-4111-8111-000000000002';
const U3 = '11111111-1111-4111-8111-000000000003';
const SCH = '0.0.0313';
const TYPE = 'vfio_ccw-io';

const dev = (uuid: string, start: 'auto' | 'manual' = 'manual', parent = SCH): MdevDevice => ({ uuid, parent, type: TYPE, start, attrs: [] });
const bound = (sch: string, driver?: string) => ({
  [`sys/bus/css/devices/${sch}/uevent`]: `${driver !== undefined ? `DRIVER=${driver}\n` : ''}ST=0\nMODALIAS=css:t0\n`,
});
const running = (uuid: string, parent = SCH): ActiveDevice => ({ uuid, parent, type: TYPE });
const messages = (ds: ReadonlyArray<{ severity: string; message: string }>) => ds.map((d) => `${d.severity}: ${d.message}`);

test('subchannel ids: cssid.ssid.schno in lower-case hex, as the kernel names them', () => {
  for (const ok of ['0.0.0313', '0.3.ffff', 'fe.1.0000', '1f.0.abcd']) assert.equal(subchannelIdProblem(ok), undefined, ok);
  for (const bad of ['0.0.313', '0.4.0313', '00.0.0313', '0.0.0313.1', '0000:00:02.0', 'matrix', '0.0.031g', '']) {
    assert.match(subchannelIdProblem(bad) ?? '', /^Invalid subchannel id '.*': a vfio_ccw-io parent is a subchannel bus id cssid\.ssid\.schno in hex, like 0\.0\.0313$/, bad);
  }
  assert.equal(
    subchannelIdProblem('0.0.ABCD'),
    "Invalid subchannel id '0.0.ABCD': a vfio_ccw-io parent is a subchannel bus id cssid.ssid.schno in hex, like 0.0.0313 (the kernel writes it in lower case: '0.0.abcd')",
  );
});

test('a bad subchannel id is an error for define, modify and start, not for undefine or stop', async () => {
  const h = await createTestHarness(createPlugin);
  for (const action of ['define', 'modify', 'start'] as const) {
    assert.deepEqual(messages(await h.validate(dev(U1, 'manual', '0.0.313'), { action })), [
      "error: Invalid subchannel id '0.0.313': a vfio_ccw-io parent is a subchannel bus id cssid.ssid.schno in hex, like 0.0.0313",
    ], action);
  }
  for (const action of ['undefine', 'stop'] as const) assert.deepEqual(await h.validate(dev(U1, 'manual', '0.0.313'), { action }), [], action);
});

test('another vendor\'s type on the same parent is not checked', async () => {
  const h = await createTestHarness(createPlugin);
  assert.deepEqual(await h.validate({ ...dev(U1, 'manual', 'bad id'), type: 'mtty-1' }, { action: 'start' }), []);
});

test('start: a subchannel bound to another driver, or to none, is an error with the driverctl command', async () => {
  const io = await createTestHarness(createPlugin, { host: { files: bound(SCH, 'io_subchannel') } });
  assert.deepEqual(messages(await io.validate(dev(U1), { action: 'start' })), [
    'error: Subchannel 0.0.0313 is bound to io_subchannel, not vfio_ccw; bind it with: driverctl -b css set-override 0.0.0313 vfio_ccw',
  ]);
  const none = await createTestHarness(createPlugin, { host: { files: bound(SCH) } });
  assert.deepEqual(messages(await none.validate(dev(U1), { checkOnly: true })), [
    'error: Subchannel 0.0.0313 is not bound to any driver, not vfio_ccw; bind it with: driverctl -b css set-override 0.0.0313 vfio_ccw',
  ]);
  const ok = await createTestHarness(createPlugin, { host: { files: bound(SCH, 'vfio_ccw') } });
  assert.deepEqual(await ok.validate(dev(U1), { action: 'start' }), []);
  // no such subchannel: core's "Unable to find parent device" says it; nothing to add
  const absent = await createTestHarness(createPlugin);
  assert.deepEqual(await absent.validate(dev(U1), { action: 'start' }), []);
});

test('define: an unbound subchannel is only a warning (the definition may wait)', async () => {
  const h = await createTestHarness(createPlugin, { host: { files: bound(SCH, 'io_subchannel') } });
  assert.deepEqual(messages(await h.validate(dev(U1, 'auto'), { action: 'define' })), [
    'warning: Subchannel 0.0.0313 is bound to io_subchannel, not vfio_ccw; its devices cannot start until it is bound: driverctl -b css set-override 0.0.0313 vfio_ccw',
  ]);
});

test('define/modify: an auto definition conflicts with every other auto definition of its subchannel', async () => {
  const h = await createTestHarness(createPlugin, {
    host: { files: bound(SCH, 'vfio_ccw'), definitions: [dev(U2, 'auto'), dev(U3, 'auto'), dev('11111111-1111-4111-8111-000000000004'), dev(U1, 'auto', '0.0.0314')] },
  });
  const both = [
    `error: Subchannel 0.0.0313 already has auto-start device ${U2}; a subchannel takes one mediated device`,
    `error: Subchannel 0.0.0313 already has auto-start device ${U3}; a subchannel takes one mediated device`,
  ];
  assert.deepEqual(messages(await h.validate(dev(U1, 'auto'), { action: 'define' })), both);
  assert.deepEqual(messages(await h.validate(dev(U1, 'auto'), { action: 'modify' })), both);
  // a manual definition conflicts with nothing at define time; its own stored copy is not "another"
  assert.deepEqual(await h.validate(dev(U1), { action: 'define' }), []);
  assert.deepEqual(messages(await h.validate(dev(U2, 'auto'), { action: 'modify' })), [both[1]]);
  // at start, definitions do not matter, only running devices
  assert.deepEqual(await h.validate(dev(U1, 'auto'), { action: 'start' }), []);
});

test('start: a device running on the subchannel is an error naming it; the device itself is not', async () => {
  const h = await createTestHarness(createPlugin, {
    host: { files: bound(SCH, 'vfio_ccw'), activeDevices: [running(U2), running(U3, '0.0.0314')] },
  });
  assert.deepEqual(messages(await h.validate(dev(U1), { action: 'start' })), [
    `error: Subchannel 0.0.0313 is in use by running device ${U2}; a subchannel takes one mediated device`,
  ]);
  assert.deepEqual(await h.validate(dev(U2), { checkOnly: true, active: running(U2) }), []);
});

test('mdevctl validate (checkOnly) reports binding, auto conflicts and running devices together', async () => {
  const h = await createTestHarness(createPlugin, {
    host: { files: bound(SCH, 'io_subchannel'), definitions: [dev(U2, 'auto')], activeDevices: [running(U3)] },
  });
  assert.deepEqual(messages(await h.validate(dev(U1, 'auto'), { checkOnly: true })), [
    `error: Subchannel 0.0.0313 already has auto-start device ${U2}; a subchannel takes one mediated device`,
    'error: Subchannel 0.0.0313 is bound to io_subchannel, not vfio_ccw; bind it with: driverctl -b css set-override 0.0.0313 vfio_ccw',
    `error: Subchannel 0.0.0313 is in use by running device ${U3}; a subchannel takes one mediated device`,
  ]);
});

const refusal = (r: Partial<KernelRefusal>): KernelRefusal => ({
  operation: 'create',
  device: dev(U1),
  file: `/sys/class/mdev_bus/${SCH}/mdev_supported_types/${TYPE}/create`,
  value: U1,
  code: 'UNKNOWN',
  errno: 87,
  ...r,
});

test('hints: one device per subchannel (EUSERS, EPERM), a gone subchannel (ENODEV, ENOENT), no attributes', async () => {
  const h = await createTestHarness(createPlugin, { host: { activeDevices: [running(U2)] } });
  const inUse = `subchannel 0.0.0313 takes one mediated device and running device ${U2} uses it`;
  assert.equal(await h.explainRefusal(refusal({})), inUse);
  assert.equal(await h.explainRefusal(refusal({ code: 'EPERM', errno: 1 })), inUse);
  const gone = 'subchannel 0.0.0313 is not operational or no longer bound to vfio_ccw (check it with lscss; rebind: driverctl -b css set-override 0.0.0313 vfio_ccw)';
  assert.equal(await h.explainRefusal(refusal({ code: 'ENODEV', errno: 19 })), gone);
  assert.equal(await h.explainRefusal(refusal({ code: 'ENOENT', errno: 2 })), gone);
  assert.equal(await h.explainRefusal(refusal({ code: 'EEXIST', errno: 17 })), undefined);
  assert.equal(
    await h.explainRefusal(refusal({ operation: 'attribute', attribute: 'foo', code: 'EACCES', errno: 13 })),
    "vfio_ccw-io devices have no writable attributes; remove 'foo' from the definition",
  );
  const nobody = await createTestHarness(createPlugin);
  assert.equal(await nobody.explainRefusal(refusal({})), 'subchannel 0.0.0313 takes one mediated device and another device uses it');
  // another vendor's refusal is not answered
  assert.equal(await h.explainRefusal(refusal({ device: { ...dev(U1), type: 'mtty-1' } })), undefined);
});
