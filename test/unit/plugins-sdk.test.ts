// The SDK's rules, which core and the test harness share: SDK version compatibility, listing
// field checks, claims, the verbatim marker — and the harness's hooks ordering taps exactly as
// core's tapable hooks do.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncSeriesHook } from 'tapable';
import {
  DEVICE_FIELDS, SDK_VERSION, VERBATIM, VerbatimError, claimsDevice, claimsRun, isVerbatim, listingFieldProblem, sdkVersionProblem,
} from '@mdevctl/plugin-sdk';
import { TestHook, createTestHarness } from '@mdevctl/plugin-sdk/testing';

test('SDK versions: same major and a minor no newer than ours', () => {
  const [major, minor] = SDK_VERSION.split('.').map(Number) as [number, number];
  assert.equal(sdkVersionProblem(SDK_VERSION), undefined);
  assert.equal(sdkVersionProblem(`${major}.0.7`), undefined);
  assert.equal(sdkVersionProblem(`${major}.${minor}.99-beta.1`), undefined);
  assert.match(sdkVersionProblem(`${major}.${minor + 1}.0`) ?? '', /; update mdevctl$/);
  assert.match(sdkVersionProblem(`${major + 1}.0.0`) ?? '', /; update mdevctl$/);
  assert.match(sdkVersionProblem(`${major - 1}.${minor + 5}.0`) ?? '', /; update the plugin$/);
  for (const bad of [undefined, 1, '1', '1.1', 'v1.1.0', '']) {
    assert.match(sdkVersionProblem(bad) ?? '', /^has no valid sdkVersion/, String(bad));
  }
});

test('listing fields: names of core, names taken, and values that are not JSON are refused', () => {
  assert.equal(listingFieldProblem('vendor_x', { a: [1, 'b', null, true] }, DEVICE_FIELDS, []), undefined);
  for (const name of DEVICE_FIELDS) assert.match(listingFieldProblem(name, 1, DEVICE_FIELDS, []) ?? '', /is one of mdevctl's own/);
  assert.match(listingFieldProblem('x', 1, DEVICE_FIELDS, ['x']) ?? '', /"x" is already set/);
  assert.match(listingFieldProblem('', 1, DEVICE_FIELDS, []) ?? '', /non-empty name/);
  const circular: Record<string, unknown> = {};
  circular['self'] = circular;
  const notJson: unknown[] = [NaN, Infinity, undefined, () => 1, 10n, new Date(), new Map(), circular, [1, [undefined]]];
  for (const v of notJson) assert.ok(listingFieldProblem('x', v, DEVICE_FIELDS, []) !== undefined, String(v));
  const shared = { a: 1 };
  assert.equal(listingFieldProblem('x', [shared, { b: shared }], DEVICE_FIELDS, []), undefined, 'a value seen twice is not a cycle');
});

test('claims: parents and types both match; a run is claimed by its device, previous or active', () => {
  const claim = { parents: ['matrix'], types: (t: string) => t.startsWith('vfio_ap') };
  assert.ok(claimsDevice(claim, 'matrix', 'vfio_ap-passthrough'));
  assert.ok(!claimsDevice(claim, 'matrix', 'other'));
  assert.ok(!claimsDevice(claim, 'mtty', 'vfio_ap-passthrough'), 'a type name on another parent is not its business');
  assert.ok(claimsDevice(undefined, 'any', 'thing'));
  const dev = (type: string) => ({ uuid: 'u', parent: 'matrix', type, start: 'manual' as const, attrs: [] });
  assert.ok(!claimsRun(claim, {}), 'no device yet');
  assert.ok(claimsRun(undefined, {}));
  assert.ok(claimsRun(claim, { device: dev('x'), previous: { ...dev('vfio_ap-passthrough'), path: '/p' } }));
  assert.ok(claimsRun(claim, { device: dev('x'), active: { uuid: 'u', parent: 'matrix', type: 'vfio_ap-passthrough' } }));
  assert.ok(!claimsRun(claim, { device: dev('x') }));
});

test('the verbatim marker is recognised on any error that carries it (any copy of the SDK)', () => {
  assert.ok(isVerbatim(new VerbatimError('as is')));
  const foreign = Object.assign(new Error('from another SDK copy'), { [Symbol.for('@mdevctl/plugin-sdk/verbatim')]: true });
  assert.ok(isVerbatim(foreign));
  assert.equal(VERBATIM, Symbol.for('@mdevctl/plugin-sdk/verbatim'));
  assert.ok(!isVerbatim(new Error('plain')));
  assert.ok(!isVerbatim('a string'));
});

test('the harness orders taps as tapable does (stage, before, registration)', async () => {
  const taps: Array<[string | { name: string; stage?: number; before?: string | string[] }, string]> = [
    ['a', 'a'],
    [{ name: 'core', stage: -100 }, 'core'],
    [{ name: 'late', stage: 100 }, 'late'],
    ['b', 'b'],
    [{ name: 'c', before: 'a' }, 'c'],
    [{ name: 'd', stage: 5, before: ['b', 'core'] }, 'd'],
    [{ name: 'e', stage: -100 }, 'e'],
    [{ name: 'f', stage: 100, before: 'late' }, 'f'],
  ];
  const real = new AsyncSeriesHook<[string[]]>(['out']);
  const ours = new TestHook<[string[]]>(false);
  for (const [options, label] of taps) {
    real.tap(options as never, (out: string[]) => void out.push(label));
    ours.tap(options, (out: string[]) => void out.push(label));
  }
  const a: string[] = [];
  const b: string[] = [];
  await real.promise(a);
  await ours.run(b);
  assert.deepEqual(b, a);
  assert.deepEqual(a, ['d', 'core', 'e', 'c', 'a', 'b', 'f', 'late']);
});

test('the harness gives checkOnly runs and asks explainRefusal only of the devices a plugin claims', async () => {
  const seen: string[] = [];
  const h = await createTestHarness({
    name: 'hinter',
    sdkVersion: SDK_VERSION,
    claims: { parents: ['mtty'] },
    apply(hooks) {
      hooks.lifecycle.validate.tap('hinter', (ctx) => void seen.push(`${ctx.action}:${ctx.checkOnly}`));
      hooks.query.explainRefusal.tap('hinter', (r) => (r.code === 'ENOSPC' ? `no ports left for ${r.device.type}` : undefined));
    },
  });
  const dev = (parent: string) => ({ uuid: '00000000-0000-4000-8000-000000000001', parent, type: 'mtty-2', start: 'manual' as const, attrs: [] });
  await h.validate(dev('mtty'), { checkOnly: true });
  await h.validate(dev('mtty'), { action: 'modify' });
  assert.deepEqual(seen, ['start:true', 'modify:false']);
  const refusal = (parent: string, code: string) => ({ operation: 'create' as const, device: dev(parent), file: '/x/create', value: 'u', code, errno: 28 });
  assert.equal(await h.explainRefusal(refusal('mtty', 'ENOSPC')), 'no ports left for mtty-2');
  assert.equal(await h.explainRefusal(refusal('mtty', 'EINVAL')), undefined);
  assert.equal(await h.explainRefusal(refusal('mdpy', 'ENOSPC')), undefined);
});
