// The hook contract is declared once (HOOK_CONTRACT in the SDK): core's tapable hooks, each
// plugin's scoped view and the SDK harness's hooks are all derived from it, and the view is the
// same code in core and the harness (plugin-sdk/src/scope.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HOOK_CONTRACT, SDK_VERSION, contractEntries, createHooks, pluginView, scopedHooks, claimsCall,
  type LifecycleContext, type MdevctlHooks, type MdevctlPlugin,
} from 'mdevctl';
import { TestHook, createTestHarness } from '@mdevctl/plugin-sdk/testing';

const DEVICE = { uuid: '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01', parent: 'mtty', type: 'mtty-1', start: 'manual', attrs: [] } as const;

type RawHook = {
  _args: string[];
  tap: (o: string, fn: () => unknown) => void;
  promise: (...args: unknown[]) => Promise<unknown>;
};

test("core's hooks are the contract's: one tapable hook per entry, of its kind, with its argument names", async () => {
  const hooks = createHooks() as unknown as Record<string, Record<string, RawHook>>;
  const entries = contractEntries();
  assert.ok(entries.length >= 12);
  for (const [group, name, spec] of entries) {
    const hook = hooks[group]?.[name];
    assert.ok(hook, `${group}.${name} exists`);
    // A bail hook stops at the first answer; a series hook runs every tap.
    let second = false;
    hook.tap('first', () => 'answer');
    hook.tap('second', () => void (second = true));
    const answer = await hook.promise(...spec.args.map(() => ({})));
    assert.equal(second, spec.kind === 'series', `${group}.${name} is ${spec.kind}`);
    assert.equal(answer, spec.kind === 'bail' ? 'answer' : undefined);
    assert.deepEqual(hook._args, [...spec.args], `${group}.${name} args`);
  }
  for (const group of Object.keys(hooks)) {
    assert.deepEqual(Object.keys(hooks[group] ?? {}).sort(), Object.keys(HOOK_CONTRACT[group as keyof typeof HOOK_CONTRACT]).sort());
  }
  assert.ok(Object.isFrozen(hooks) && Object.isFrozen(hooks['lifecycle']));
});

test('the kinds are what the contract says: create, live, the queries and placement bail, the rest run every tap', () => {
  const bails = contractEntries().filter(([, , s]) => s.kind === 'bail').map(([g, n]) => `${g}.${n}`);
  assert.deepEqual(bails.sort(), [
    'lifecycle.create', 'lifecycle.live', 'placement.choose', 'placement.room', 'query.activeAttributes', 'query.explainRefusal',
  ]);
});

/** A plugin that records every call of every hook it sees. */
function recorder(claims?: MdevctlPlugin['claims']): { plugin: MdevctlPlugin; seen: string[] } {
  const seen: string[] = [];
  const plugin: MdevctlPlugin = {
    name: 'rec',
    sdkVersion: SDK_VERSION,
    ...(claims ? { claims } : {}),
    apply(hooks: MdevctlHooks) {
      for (const [group, name] of contractEntries()) {
        const hook = (hooks as unknown as Record<string, Record<string, { tap: (o: string, fn: () => undefined) => void }>>)[group]?.[name];
        hook?.tap('rec', () => void seen.push(`${group}.${name}`));
      }
    },
  };
  return { plugin, seen };
}

test("a plugin's view in core is derived from the contract: every hook, scoped by its subject", async () => {
  const hooks = createHooks();
  const { plugin, seen } = recorder({ parents: ['mtty'] });
  plugin.apply(pluginView(hooks, plugin));
  const ctx = (parent: string) => ({ action: 'start', device: { ...DEVICE, parent } }) as unknown as LifecycleContext;
  await hooks.lifecycle.pre.promise(ctx('other'));
  await hooks.lifecycle.pre.promise(ctx('mtty'));
  await hooks.lifecycle.create.promise(ctx('mtty'));
  const query = { purpose: 'list', host: {}, log: {} } as never;
  await hooks.query.activeAttributes.promise({ uuid: DEVICE.uuid, parent: 'other', type: 'x' }, query);
  await hooks.query.activeAttributes.promise({ uuid: DEVICE.uuid, parent: 'mtty', type: 'x' }, query);
  await hooks.listing.type.promise({ type: { parent: 'mtty', type: 'mtty-1' } } as never, query);
  await hooks.placement.room.promise({ parent: 'other', type: 'mtty-1' } as never, query);
  await hooks.placement.choose.promise({ candidates: [{ parent: 'other', type: 'x' }, { parent: 'mtty', type: 'x' }] } as never, query);
  assert.deepEqual(seen, ['lifecycle.pre', 'lifecycle.create', 'query.activeAttributes', 'listing.type', 'placement.choose']);
});

test('the harness scopes with the same code: a claimed plugin sees the same calls there', async () => {
  const { plugin, seen } = recorder({ parents: ['mtty'] });
  const h = await createTestHarness(plugin);
  await h.run('pre', h.context({ ...DEVICE, parent: 'other' }));
  await h.run('pre', h.context(DEVICE));
  await h.activeAttributes({ uuid: DEVICE.uuid, parent: 'other', type: 'x' });
  await h.activeAttributes({ uuid: DEVICE.uuid, parent: 'mtty', type: 'x' });
  assert.deepEqual(seen, ['lifecycle.pre', 'query.activeAttributes']);
});

test('claimsCall reads the subject the contract names for each hook', () => {
  const claims = { parents: ['mtty'] };
  const d = { uuid: DEVICE.uuid, parent: 'mtty', type: 't' };
  assert.equal(claimsCall(claims, 'run', { device: d }), true);
  assert.equal(claimsCall(claims, 'run', {}), false);
  assert.equal(claimsCall(claims, 'device', d), true);
  assert.equal(claimsCall(claims, 'refusal', { device: { ...d, parent: 'x' } }), false);
  assert.equal(claimsCall(claims, 'listedDevice', { device: d }), true);
  assert.equal(claimsCall(claims, 'listedType', { type: { parent: 'x', type: 't' } }), false);
  assert.equal(claimsCall(undefined, 'listedType', { type: { parent: 'x', type: 't' } }), true);
  assert.equal(claimsCall(claims, 'placementQuery', { parent: 'mtty', type: 't' }), true);
  assert.equal(claimsCall(claims, 'placementStep', { candidates: [{ parent: 'x', type: 't' }] }), false);
});

test('scopedHooks: errors and promises pass through the guard; interceptors see only claimed calls', async () => {
  const targets = {
    lifecycle: Object.fromEntries(Object.keys(HOOK_CONTRACT.lifecycle).map((k) => [k, new TestHook(k === 'create' || k === 'live')])),
    query: { activeAttributes: new TestHook(true), explainRefusal: new TestHook(true) },
    listing: { device: new TestHook(false), type: new TestHook(false) },
    placement: { room: new TestHook(true), choose: new TestHook(true) },
  } as never as Parameters<typeof scopedHooks>[0];
  const settled: string[] = [];
  const view = scopedHooks(targets, { parents: ['mtty'] }, {
    error: (err) => new Error(`named: ${(err as Error).message}`),
    settle: (what, p) => (settled.push(what), Promise.resolve(p)),
  });
  const calls: string[] = [];
  view.lifecycle.pre.intercept({ call: (c) => void calls.push(c.device?.parent ?? '?'), done: () => void calls.push('done') });
  view.lifecycle.pre.tap('p', () => {
    throw new Error('boom');
  });
  view.lifecycle.create.tapPromise('p', async () => true);
  const pre = (targets as unknown as { lifecycle: { pre: TestHook<[unknown]>; create: TestHook<[unknown], unknown> } }).lifecycle;
  await pre.pre.run({ device: { ...DEVICE, parent: 'other' } });
  await assert.rejects(pre.pre.run({ device: DEVICE }), /^Error: named: boom$/);
  assert.equal(await pre.create.run({ device: DEVICE }), true);
  assert.deepEqual(calls, ['mtty']);
  assert.deepEqual(settled, ['its lifecycle.create tap']);
});
