// Each plugin declares its own options (its `configuration` export: type, default, description);
// core checks the configuration file against the declarations and fills in the defaults.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_PLUGINS, pluginOptionsProblem, withDefaults, type PluginConfiguration } from 'mdevctl';
import { configuration as callouts } from '@mdevctl/plugin-callouts';
import { configuration as ap } from '@mdevctl/plugin-vfio-ap';
import { configuration as mtty } from '@mdevctl/plugin-mtty';

const DECL: PluginConfiguration = {
  waitMs: { type: 'integer', min: 0, max: 10, default: 5, description: 'how long' },
  label: { type: 'string', description: 'a label' },
  loud: { type: 'boolean', default: false, description: 'louder' },
};

test('pluginOptionsProblem: unknown names, wrong types and out-of-range values, one line each', () => {
  assert.equal(pluginOptionsProblem(DECL, {}), undefined);
  assert.equal(pluginOptionsProblem(DECL, { waitMs: 0, label: 'x', loud: true }), undefined);
  assert.equal(pluginOptionsProblem(DECL, { wait: 1 }), 'unknown option "wait" (known: waitMs, label, loud)');
  assert.equal(pluginOptionsProblem(DECL, { waitMs: 11 }), 'option "waitMs" must be a whole number from 0 to 10, not 11');
  assert.equal(pluginOptionsProblem(DECL, { waitMs: 1.5 }), 'option "waitMs" must be a whole number from 0 to 10, not 1.5');
  assert.equal(pluginOptionsProblem(DECL, { waitMs: '3' }), 'option "waitMs" must be a whole number from 0 to 10, not "3"');
  assert.equal(pluginOptionsProblem(DECL, { label: 3 }), 'option "label" must be a string, not 3');
  assert.equal(pluginOptionsProblem(DECL, { loud: 'yes' }), 'option "loud" must be true or false, not "yes"');
  assert.equal(pluginOptionsProblem({}, { x: 1 }), 'the plugin takes no options');
  assert.equal(pluginOptionsProblem(DECL, { toString: 1 }), 'unknown option "toString" (known: waitMs, label, loud)');
});

test('withDefaults fills in declared defaults and keeps what is given', () => {
  assert.deepEqual(withDefaults(DECL, {}), { waitMs: 5, loud: false });
  assert.deepEqual(withDefaults(DECL, { waitMs: 1, label: 'a' }), { waitMs: 1, loud: false, label: 'a' });
});

test('the built-in plugins declare their options, and core uses those declarations', () => {
  assert.deepEqual(Object.keys(callouts), ['timeoutMs']);
  assert.equal(callouts['timeoutMs']?.default, 30_000);
  assert.deepEqual(Object.keys(ap), ['lockWaitMs']);
  assert.equal(ap['lockWaitMs']?.default, 60_000);
  assert.deepEqual(mtty, {});
  for (const b of BUILTIN_PLUGINS) {
    for (const [name, d] of Object.entries(b.configuration)) assert.ok(d.description.length > 0, `${b.name}.${name} has a description`);
  }
  assert.equal(BUILTIN_PLUGINS.find((b) => b.name === 'callouts')?.configuration, callouts);
  assert.equal(BUILTIN_PLUGINS.find((b) => b.name === 'vfio-ap')?.configuration, ap);
});

test('the harness checks options against the declarations given and fills in defaults, as mdevctl does', async () => {
  const { createTestHarness } = await import('@mdevctl/plugin-sdk/testing');
  let got: unknown;
  const factory = (o: unknown) => ((got = o), { name: 'p', sdkVersion: '1.3.0', apply: () => undefined });
  await createTestHarness(factory, { configuration: DECL, options: { label: 'x' } });
  assert.deepEqual(got, { waitMs: 5, loud: false, label: 'x' });
  await assert.rejects(createTestHarness(factory, { configuration: DECL, options: { waitMs: -1 } }), {
    message: 'option "waitMs" must be a whole number from 0 to 10, not -1',
  });
});
