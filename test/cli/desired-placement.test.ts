// Placement of counted requests on the simulated host with four identical vGPU cards
// (FLEET_GPUS): every built-in policy, selectors (name pattern, driver, type name), placements
// that stay put when the file grows, the vendor plugins' room (mtty ports, GVT-g memory, one
// device per vfio-ccw subchannel), a policy a plugin adds, and --wait-parents.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { FLEET_GPUS } from '@mdevctl/plugin-sim';
import { SDK_VERSION, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { SIM_BIN, launchBin, mdevctl } from '../helpers/cli.js';
import { unchanged, withHost } from '../helpers/expect.js';
import { desiredFile, perParent, planOf } from '../helpers/desired.js';
import { inProcess } from '../helpers/packaging.js';

const [G1, G2, G3, G4] = FLEET_GPUS as [string, string, string, string];
const FLEET = { parents: [...FLEET_GPUS, 'mtty', 'mdpy', '0000:00:02.0', '0.0.0313'] };

function request(lines: string[]): string {
  return `name: fleet\nrequests:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`;
}

test('placement spread: round-robin over the cards, in the order of the parent list', () => {
  withHost((h) => {
    const file = desiredFile(h, request([`{name: a, type: nvidia-2, count: 6, parents: {driver: nvidia}, placement: spread}`]));
    planOf(h, ['apply', file]);
    assert.deepEqual(perParent(h), { [G1]: 2, [G2]: 2, [G3]: 1, [G4]: 1 });
    // The list's order decides who gets the extra ones.
    const file2 = desiredFile(h, request([`{name: b, type: nvidia-1, count: 2, parents: ["${G4}", "${G3}"]}`]).replace('name: fleet', 'name: fleet-b'), 'b.yaml');
    planOf(h, ['apply', file2]);
    assert.deepEqual(perParent(h), { [G1]: 2, [G2]: 2, [G3]: 2, [G4]: 2 });
  }, FLEET);
});

test('placement pack: one card filled before the next; typeName matches the type by its name', () => {
  withHost((h) => {
    const file = desiredFile(h, request([`{name: a, typeName: SIM-1Q, count: 10, parents: "0000:4*:00.0", placement: pack}`]));
    planOf(h, ['apply', file]);
    assert.deepEqual(perParent(h), { [G1]: 8, [G2]: 2 });
  }, FLEET);
});

test('placement one-type-per-parent: a card running another type is not used; none left is an error', () => {
  withHost((h) => {
    const file = desiredFile(h, request([
      `{name: big, type: nvidia-4, count: 2, parents: {driver: nvidia}, placement: one-type-per-parent}`,
      `{name: small, type: nvidia-1, count: 3, parents: {driver: nvidia}, placement: one-type-per-parent}`,
    ]));
    const plan = planOf(h, ['apply', file]);
    const where = (name: string) => plan.actions.filter((a) => a.action === 'start' && a.for.startsWith(`request ${name} `)).map((a) => a.parent);
    assert.deepEqual(where('big'), [G1, G2]);
    assert.deepEqual(where('small'), [G3, G4, G3]);
    // Spread would have mixed types on G1; with the policy a third type finds no card.
    const full = desiredFile(h, request([
      `{name: big, type: nvidia-4, count: 2, parents: {driver: nvidia}, placement: one-type-per-parent}`,
      `{name: small, type: nvidia-1, count: 3, parents: {driver: nvidia}, placement: one-type-per-parent}`,
      `{name: mid, type: nvidia-2, count: 1, parents: {driver: nvidia}, placement: one-type-per-parent}`,
    ]), 'full.yaml');
    unchanged(h, () => {
      const r = mdevctl(h.root, 'apply', full);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^Error: No parent fits request mid #0 \(nvidia-2, placement one-type-per-parent\): 0000:41:00\.0 runs nvidia-4, /);
    });
  }, FLEET);
});

test('placement: devices stay where they are when the file grows; an unknown policy or no parent is refused', () => {
  withHost((h) => {
    const file = desiredFile(h, request([`{name: a, type: nvidia-2, count: 2, parents: {driver: nvidia}}`]));
    planOf(h, ['apply', file]);
    writeFileSync(file, request([`{name: a, type: nvidia-2, count: 5, parents: {driver: nvidia}}`]));
    const plan = planOf(h, ['apply', file]);
    assert.deepEqual(plan.actions.map((a) => `${a.action} ${a.parent}`), [`define ${G3}`, `define ${G4}`, `define ${G1}`, `start ${G3}`, `start ${G4}`, `start ${G1}`]);
    unchanged(h, () => {
      writeFileSync(file, request([`{name: a, type: nvidia-2, count: 6, parents: {driver: nvidia}, placement: densest}`]));
      assert.match(mdevctl(h.root, 'apply', file).stderr, /^Error: Unknown placement policy 'densest' \(request a\); built in: spread, pack, one-type-per-parent\n$/);
      writeFileSync(file, request([`{name: a, type: nvidia-2, count: 1, parents: {driver: amdgpu}}`]));
      assert.match(mdevctl(h.root, 'apply', file).stderr, /^Error: No parent can host request a #0 .*: no registered parent matches its parents and type\n$/);
    });
  }, FLEET);
});

test('placement room from the vendor plugins: mtty ports and GVT-g memory freed by a prune are reused; one device per subchannel', () => {
  withHost((h) => {
    const file = desiredFile(h, request([`{name: two, type: mtty-2, count: 12, parents: [mtty]}`, `{name: gvt, type: i915-GVTg_V5_4, count: 4, parents: ["0000:00:02.0"]}`]));
    planOf(h, ['apply', file]);
    assert.equal(h.available('mtty', 'mtty-1'), 0);
    // The 12 dual-port devices go and 24 single-port ones take their ports; 4 V5_4 vGPUs make room
    // for 8 V5_8 ones. Core's own view (available_instances now) would see no room for either.
    writeFileSync(file, request([`{name: one, type: mtty-1, count: 24, parents: [mtty]}`, `{name: gvt8, type: i915-GVTg_V5_8, count: 8, parents: ["0000:00:02.0"]}`]));
    const plan = planOf(h, ['apply', '--prune', file]);
    assert.equal(plan.actions.filter((a) => a.action === 'start').length, 32);
    assert.deepEqual(perParent(h), { mtty: 24, '0000:00:02.0': 8 });
    const ccw = desiredFile(h, request([`{name: c, type: vfio_ccw-io, count: 2, parents: ["0.0.0313"]}`]), 'ccw.yaml');
    unchanged(h, () => {
      assert.match(mdevctl(h.root, 'apply', ccw).stderr, /^Error: No room for request c #1 \(vfio_ccw-io, placement spread\) on 0\.0\.0313: every pool is full\n$/);
    });
  }, FLEET);
});

test('placement: a request whose type changes is placed again (stop, modify in place, start), with the same uuid', () => {
  withHost((h) => {
    const file = desiredFile(h, request([`{name: a, type: nvidia-2, count: 1, parents: ["${G1}"]}`]));
    const u = planOf(h, ['apply', file]).actions[0]?.uuid;
    writeFileSync(file, request([`{name: a, type: nvidia-4, count: 1, parents: ["${G1}"]}`]));
    const plan = planOf(h, ['apply', file]);
    assert.deepEqual(plan.actions.map((a) => `${a.action} ${a.uuid} ${a.type}${a.detail ? ` ${a.detail}` : ''}`), [
      `stop ${u} nvidia-2 placed again`, `modify ${u} nvidia-4 type nvidia-2 -> nvidia-4`, `start ${u} nvidia-4`,
    ]);
    assert.deepEqual(planOf(h, ['apply', file]).actions, []);
    // A card the plan empties offers each type its max_instance (the description's, as NVIDIA's):
    // two nvidia-4 make room for eight nvidia-1 in one plan.
    writeFileSync(file, request([`{name: a, type: nvidia-4, count: 2, parents: ["${G1}"]}`]));
    planOf(h, ['apply', file]);
    writeFileSync(file, request([`{name: a, type: nvidia-1, count: 8, parents: ["${G1}"]}`]));
    assert.equal(planOf(h, ['apply', file]).actions.filter((a) => a.action === 'start').length, 8);
    // Core alone does not know what a stopped nvidia-4 frees for nvidia-1 on a card that keeps
    // running another device (no plugin knows this pool).
    writeFileSync(file, request([`{name: a, type: nvidia-4, count: 1, parents: ["${G1}"]}`, `{name: b, type: nvidia-4, count: 1, parents: ["${G1}"]}`]));
    planOf(h, ['apply', '--prune', file]);
    writeFileSync(file, request([`{name: a, type: nvidia-1, count: 4, parents: ["${G1}"]}`, `{name: b, type: nvidia-4, count: 1, parents: ["${G1}"]}`]));
    unchanged(h, () => {
      assert.match(mdevctl(h.root, 'apply', file).stderr, /^Error: No room for request a #0 \(nvidia-1, placement spread\) on 0000:41:00\.0: every pool is full \(what the plan stops there first counts only for its own type, unless a plugin knows the pool\)\n$/);
    });
  }, FLEET);
});

test('placement: a plugin adds a policy of its own through placement.choose, without core changes', async () => {
  const h = (await import('../helpers/sim-host.js')).simHost(FLEET);
  try {
    const last: MdevctlPlugin = {
      name: 'last-card',
      sdkVersion: SDK_VERSION,
      apply(hooks) {
        hooks.placement.choose.tap('last-card', (step) => (step.policy === 'last' ? step.candidates[step.candidates.length - 1]?.parent ?? '' : undefined));
      },
    };
    const file = desiredFile(h, request([`{name: a, type: nvidia-4, count: 3, parents: {driver: nvidia}, placement: last}`]));
    const r = await inProcess(h.root, ['apply', '--json', file], { plugins: [last] });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(perParent(h), { [G4]: 2, [G3]: 1 });
  } finally {
    h.cleanup();
  }
});

test('--wait-parents: waits until an unplugged parent registers again; gives up at the deadline', async () => {
  const h = (await import('../helpers/sim-host.js')).simHost(FLEET);
  try {
    const sim = (...args: string[]) => assert.equal(spawnSync(process.execPath, [SIM_BIN, ...args], { encoding: 'utf8' }).status, 0);
    sim('unplug', h.root, 'mdpy');
    const file = desiredFile(h, `name: w\ndevices:\n  - {name: d, parent: mdpy, type: mdpy-vga}\n`);
    const r = mdevctl(h.root, 'apply', '--wait-parents', '0.2', file);
    assert.deepEqual(r, { status: 1, stdout: '', stderr: 'Waiting up to 0.2s for mdpy\nError: Gave up after 0.2s waiting for mdpy\n' });
    assert.deepEqual(h.definitions('mdpy'), []);
    const child = launchBin(h.root, ['apply', '--wait-parents', '60', file]);
    await new Promise<void>((resolve) => child.stderr.on('data', (d: string) => void (String(d).includes('Waiting up to 60s for mdpy') && resolve())));
    sim('plug', h.root, 'mdpy');
    const done = await child.result;
    assert.equal(done.status, 0, done.stderr);
    assert.deepEqual(perParent(h), { mdpy: 1 });
  } finally {
    h.cleanup();
  }
});
