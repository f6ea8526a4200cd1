// Black-box: the five built-in plugins are on by default and each can be turned off by name in the
// configuration file — shown by what they do: the four device plugins claim their devices (listed
// by `types -x`/`list -x`), the call-out plugin runs scripts. Policies reach the call-out plugin.
// Without -x, nothing of this shows: listings stay byte-identical.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUILTIN_PLUGINS, Mdevctl } from 'mdevctl';
import { mdevctl } from '../helpers/cli.js';
import { fails, ok, run, unchanged, withHost } from '../helpers/expect.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';
const I915 = '0000:00:02.0';
const CCW = '0.0.0313';

/** Which plugin claims which type of the simulated host. */
const CLAIMS: Record<string, string | undefined> = {
  mtty: 'mtty',
  [I915]: 'i915-gvtg',
  [CCW]: 'vfio-ccw',
  matrix: 'vfio-ap',
  mdpy: undefined,
  mbochs: undefined,
};

function put(h: SimHost, rel: string, text: string): void {
  mkdirSync(dirname(h.path(rel)), { recursive: true });
  writeFileSync(h.path(rel), text);
}

/** parent -> the `Claimed by:` lines of its types in `types -x` ('' for a type without one). */
function claimedBy(h: SimHost): Record<string, string[]> {
  const r = mdevctl(h.root, 'types', '-x');
  assert.equal(r.status, 0, r.stderr);
  const out: Record<string, string[]> = {};
  let parent = '';
  for (const line of r.stdout.split('\n')) {
    if (/^\S/.test(line)) out[(parent = line)] = [];
    else if (/^ {2}\S/.test(line)) out[parent]!.push('');
    else if (line.startsWith('    Claimed by: ')) out[parent]![out[parent]!.length - 1] = line.slice('    Claimed by: '.length);
  }
  return out;
}

test('every built-in plugin is loaded by default, under the name the configuration file uses', async () => {
  const h = simHost();
  try {
    const names = (await new Mdevctl({ root: h.root, env: {} }).plugins()).map((p) => p.name);
    assert.deepEqual(names, ['mtty', 'i915-gvtg', 'vfio-ccw', 'vfio-ap', 'nvidia-vgpu', 'callouts']);
    assert.deepEqual(BUILTIN_PLUGINS.map((b) => b.name), names);
  } finally {
    h.cleanup();
  }
});

test('types -x: each device plugin claims its types; turning one off removes exactly its claims', () =>
  withHost((h) => {
    const all = claimedBy(h);
    for (const [parent, plugin] of Object.entries(CLAIMS)) {
      assert.ok(all[parent]!.length > 0, parent);
      for (const c of all[parent]!) assert.equal(c, plugin ?? '', `${parent} claimed by`);
    }
    for (const off of ['mtty', 'i915-gvtg', 'vfio-ccw', 'vfio-ap']) {
      put(h, CONFIG, JSON.stringify({ plugins: { [off]: false } }));
      const now = claimedBy(h);
      for (const [parent, plugin] of Object.entries(CLAIMS)) {
        const expected = plugin === off ? '' : (plugin ?? '');
        for (const c of now[parent]!) assert.equal(c, expected, `${off} off: ${parent}`);
      }
    }
  }));

test('list -x and --dumpjson -x show the claims of a device; an in-process app lists the plugins left', async () => {
  const h = simHost();
  try {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-2');
    ok(mdevctl(h.root, 'list', '-d', '-x'), `${U1} mtty mtty-2 manual\n  Claimed by: mtty\n  Ports: 2\n`);
    const json = JSON.parse(mdevctl(h.root, 'list', '-d', '-x', '--dumpjson', '-u', U1).stdout);
    assert.deepEqual(json, { mdev_type: 'mtty-2', start: 'manual', attrs: [], claimed_by: ['mtty'], ports: 2 });
    put(h, CONFIG, '{"plugins": {"mtty": false, "callouts": false}}');
    ok(mdevctl(h.root, 'list', '-d', '-x'), `${U1} mtty mtty-2 manual\n`);
    const off = JSON.parse(mdevctl(h.root, 'list', '-d', '-x', '--dumpjson', '-u', U1).stdout);
    assert.deepEqual(off.claimed_by, []);
    const names = (await new Mdevctl({ root: h.root, env: {} }).plugins()).map((p) => p.name);
    assert.deepEqual(names, ['i915-gvtg', 'vfio-ccw', 'vfio-ap', 'nvidia-vgpu']);
  } finally {
    h.cleanup();
  }
});

/** A pre call-out that refuses everything. */
function refusingCallout(h: SimHost): string {
  const rel = 'usr/lib/mdevctl/scripts.d/callouts/50-refuse';
  put(h, rel, '#!/bin/sh\ncat >/dev/null\n[ "$4" = pre ] && exit 1\nexit 0\n');
  chmodSync(h.path(rel), 0o755);
  return h.path(rel);
}

test('the call-out plugin runs scripts unless turned off', () =>
  withHost((h) => {
    const script = refusingCallout(h);
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'), 1, `Error: Script '${script}' failed with status '1'\n`));
    put(h, CONFIG, '{"plugins": {"callouts": false}}');
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(h.definitions('mtty'), [U1]);
  }));

test('policies.calloutTimeoutMs reaches the call-out plugin (and wins over its own option)', () =>
  withHost((h) => {
    const rel = 'usr/lib/mdevctl/scripts.d/callouts/50-hang';
    // hangs on pre until the plugin kills it (its process group)
    put(h, rel, '#!/bin/sh\ncat >/dev/null\n[ "$4" = pre ] || exit 0\nsleep 60 & wait\n');
    chmodSync(h.path(rel), 0o755);
    put(h, CONFIG, '{"plugins": {"callouts": {"timeoutMs": 60000}}, "policies": {"calloutTimeoutMs": 250}}');
    const r = mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    fails(r, 1, `Error: Script '${h.path(rel)}' timed out after 250 ms and was killed\n`);
    assert.deepEqual(h.definitions('mtty'), []);
  }));

test('without -x, list and types are byte-identical whatever the configuration', () =>
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-2');
    run(h, 'start', '-u', U1);
    const commands = [['list'], ['list', '-v'], ['list', '-d', '-v'], ['list', '--dumpjson'], ['list', '-d', '-u', U1, '--dumpjson'], ['types'], ['types', '--dumpjson']];
    const plain = commands.map((c) => mdevctl(h.root, ...c));
    put(h, 'opt/p.mjs', `export default () => ({ name: 'noisy', sdkVersion: '1.0.0', apply(hooks) {
      hooks.listing.device.tap('noisy', (l) => { l.line('noise'); l.field('noise', 1); });
      hooks.listing.type.tap('noisy', (l) => { l.line('noise'); l.field('noise', 1); });
    } });\n`);
    put(h, CONFIG, '{"plugins": {"mtty": false, "/opt/p.mjs": true}}');
    commands.forEach((c, i) => assert.deepEqual(mdevctl(h.root, ...c), plain[i], c.join(' ')));
    assert.match(mdevctl(h.root, 'list', '-x').stdout, /\n {2}noise\n/, 'the plugin does add with -x');
  }));
