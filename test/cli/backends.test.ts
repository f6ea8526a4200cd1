// Black-box: a device backend from an external plugin beside the mdev bus of the simulated host.
// The plugin is the SDK README's example (examples/toy-backend), installed as a vendor's package:
// its "toy" parents (no mdev bus) are listed, typed, defined, started and stopped by the same
// commands as the mdev parents, side by side in one output, and the mdev parents' output is byte
// for byte what it is without the plugin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LSMDEV_BIN, MDEVCTL_BIN, REPO, mdevctl, runBin } from '../helpers/cli.js';
import { complete, docs } from '../helpers/packaging.js';
import { config, fails, ok, pretty, run, unchanged, withHost } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';
import { TOY_SOURCE, addToyParent, installToyBackend } from '../helpers/toy-backend.js';
import { desiredFile, planOf, uuidOf } from '../helpers/desired.js';
import { supportsJson } from '../helpers/callout-scripts.js';

const U = (n: number) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0${n}`;
const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';

/** The simulated host (every mdev parent) with the toy backend and two toy parents. */
function withToys(fn: (h: SimHost) => void): void {
  withHost((h) => {
    installToyBackend(h.root);
    addToyParent(h.root, 'toy0', [['toy-small', 'Toy small'], ['toy-big', 'Toy big']]);
    addToyParent(h.root, 'toy1', [['toy-small', 'Toy small']]);
    fn(h);
  });
}

/** The output of `args` with the plugin turned off (its configuration file set aside). */
function withoutPlugin(h: SimHost, ...args: string[]): string {
  const saved = readFileSync(h.path(CONFIG), 'utf8');
  rmSync(h.path(CONFIG));
  try {
    const r = mdevctl(h.root, ...args);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  } finally {
    writeFileSync(h.path(CONFIG), saved);
  }
}

test("the SDK README's backend example is, verbatim, the file these tests install", () => {
  const readme = readFileSync(join(REPO, 'plugin-sdk/README.md'), 'utf8');
  assert.ok(readme.includes(`\`\`\`ts\n${readFileSync(TOY_SOURCE, 'utf8')}\`\`\`\n`));
});

const toyTypes = (avail0: number, avail1: number) =>
  `toy0\n` +
  `  toy-big\n    Available instances: ${avail0}\n    Device API: vfio-pci\n    Name: Toy big\n` +
  `  toy-small\n    Available instances: ${avail0}\n    Device API: vfio-pci\n    Name: Toy small\n` +
  `toy1\n` +
  `  toy-small\n    Available instances: ${avail1}\n    Device API: vfio-pci\n    Name: Toy small\n`;

test('types: the toy parents after the mdev parents (bytewise order), the mdev part exactly as without the plugin', () =>
  withToys((h) => {
    const mdevOnly = withoutPlugin(h, 'types');
    assert.match(mdevOnly, /^mtty$/m, 'the mdev parents are there');
    ok(mdevctl(h.root, 'types'), mdevOnly + toyTypes(1, 1));
    ok(mdevctl(h.root, 'types', '-p', 'toy1'), toyTypes(1, 1).slice(toyTypes(1, 1).indexOf('toy1\n')));
    const json = JSON.parse(mdevctl(h.root, 'types', '--dumpjson').stdout) as Array<Record<string, unknown>>;
    const plain = JSON.parse(withoutPlugin(h, 'types', '--dumpjson')) as Array<Record<string, unknown>>;
    assert.deepEqual(json[0], {
      ...plain[0],
      toy0: [
        { 'toy-big': { available_instances: 1, device_api: 'vfio-pci', name: 'Toy big' } },
        { 'toy-small': { available_instances: 1, device_api: 'vfio-pci', name: 'Toy small' } },
      ],
      toy1: [{ 'toy-small': { available_instances: 1, device_api: 'vfio-pci', name: 'Toy small' } }],
    });
  }));

test('start, list (every form), define, stop: a toy device and an mdev device side by side', () =>
  withToys((h) => {
    run(h, 'start', '-u', U(1), '-p', 'toy0', '-t', 'toy-big');
    assert.equal(h.read('sys/bus/toy/devices/toy0/slot'), `toy-big ${U(1)}\n`, 'the backend wrote its slot');
    assert.deepEqual(h.activeUuids(), [], 'nothing on the mdev bus');
    run(h, 'start', '-u', U(2), '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(h.activeUuids(), [U(2)]);

    const text = `${U(2)} mtty mtty-1 manual\n${U(1)} toy0 toy-big manual\n`;
    ok(mdevctl(h.root, 'list'), text);
    ok(runBin(h.root, [], { bin: LSMDEV_BIN }), text);
    ok(mdevctl(h.root, 'list', '-p', 'toy0'), `${U(1)} toy0 toy-big manual\n`);
    ok(mdevctl(h.root, 'list', '-u', U(1)), `${U(1)} toy0 toy-big manual\n`);
    const dump = [
      {
        mtty: [{ [U(2)]: { mdev_type: 'mtty-1', start: 'manual', attrs: [] } }],
        toy0: [{ [U(1)]: { mdev_type: 'toy-big', start: 'manual', attrs: [] } }],
      },
    ];
    ok(mdevctl(h.root, 'list', '--dumpjson'), pretty(dump));
    ok(mdevctl(h.root, 'types', '-p', 'toy0'), toyTypes(0, 1).slice(0, toyTypes(0, 1).indexOf('toy1\n')));

    // define -u of the running toy device takes its parent and type, as for an mdev device
    run(h, 'define', '-u', U(1));
    assert.equal(h.read(`etc/mdevctl.d/toy0/${U(1)}`), config('toy-big', 'manual'));
    ok(mdevctl(h.root, 'list', '-d'), `${U(1)} toy0 toy-big manual (active)\n`);
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), pretty([{ toy0: [{ [U(1)]: { mdev_type: 'toy-big', start: 'manual', attrs: [] } }] }]));

    run(h, 'stop', '-u', U(1));
    assert.equal(h.read('sys/bus/toy/devices/toy0/slot'), 'none\n');
    ok(mdevctl(h.root, 'list'), `${U(2)} mtty mtty-1 manual\n`);
    assert.deepEqual(h.activeUuids(), [U(2)], 'the mdev device runs on');
    run(h, 'start', '-u', U(1));
    ok(mdevctl(h.root, 'list', '-p', 'toy0'), `${U(1)} toy0 toy-big manual (defined)\n`);
  }));

test('start-parent-mdevs and validate work on a toy parent; core refuses as for an mdev parent, before anything is written', () =>
  withToys((h) => {
    run(h, 'define', '-u', U(3), '-p', 'toy1', '-t', 'toy-small', '--auto');
    run(h, 'define', '-u', U(4), '-p', 'mtty', '-t', 'mtty-2', '--auto');
    ok(mdevctl(h.root, 'validate'));
    run(h, 'start-parent-mdevs', 'toy1');
    ok(mdevctl(h.root, 'list'), `${U(3)} toy1 toy-small auto (defined)\n`);
    assert.deepEqual(h.activeUuids(), [], 'only the toy parent was started');
    unchanged(h, () => {
      fails(mdevctl(h.root, 'start', '-u', U(5), '-p', 'toy1', '-t', 'toy-small'), 1, 'Error: No available instances of toy-small on toy1\n');
      fails(mdevctl(h.root, 'start', '-p', 'toy0', '-t', 'toy-huge'), 1, 'Error: Parent toy0 does not support mdev type toy-huge\n');
      fails(mdevctl(h.root, 'start', '-p', 'TOY0', '-t', 'toy-big'), 1, "Error: Unable to find parent device 'TOY0'. Did you mean 'toy0'?\n");
    });
    // an attribute the toy has not: the device is stopped again, as on the mdev bus
    run(h, 'modify', '-u', U(3), '--addattr', 'speed', '--value', '1');
    run(h, 'stop', '-u', U(3));
    fails(mdevctl(h.root, 'start', '-u', U(3)), 1, "Error: Invalid attribute 'speed'\n");
    assert.equal(h.read('sys/bus/toy/devices/toy1/slot'), 'none\n');
  }));

test('without the plugin, the toy parents are not there and the host lists as before', () =>
  withToys((h) => {
    rmSync(h.path(CONFIG));
    const r = mdevctl(h.root, 'types');
    assert.equal(r.status, 0);
    assert.doesNotMatch(r.stdout, /toy/);
    fails(mdevctl(h.root, 'start', '-p', 'toy0', '-t', 'toy-big'), 1, "Error: Unable to find parent device 'toy0'\n");
  }));

test('bash completion offers the toy parents, types and devices beside the mdev ones (mdevctl complete-values)', async () => {
  const gen = await docs();
  const script = (await gen.generatedFiles()).find((f) => f.path === gen.COMPLETION_FILE)?.content ?? '';
  withToys((h) => {
    writeFileSync(h.path('mdevctl.bash'), script);
    mkdirSync(h.path('bin'));
    writeFileSync(h.path('bin/mdevctl'), `#!/bin/sh\nexec '${process.execPath}' '${MDEVCTL_BIN}' "$@"\n`, { mode: 0o755 });
    const path = `${h.path('bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
    const c = (line: string) => complete(h.path('mdevctl.bash'), line, { MDEVCTL_ENV_ROOT: h.root, PATH: path });
    run(h, 'start', '-u', U(1), '-p', 'toy0', '-t', 'toy-big');
    run(h, 'define', '-u', U(2), '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(c('mdevctl start -p toy'), ['toy0', 'toy1']);
    assert.deepEqual(c('mdevctl start -p m'), ['matrix', 'mbochs', 'mdpy', 'mtty']);
    assert.deepEqual(c('mdevctl define -p toy0 -t '), ['toy-big', 'toy-small']);
    assert.deepEqual(c('mdevctl stop -u '), [U(1)]);
    assert.deepEqual(c('mdevctl list -u '), [U(1), U(2)]);
    // mdevctl not on the PATH: the script reads the mdev bus itself, which has no toys
    // (a PATH without any mdevctl: `npm test` puts the workspace's own bin on the PATH)
    const noMdevctl = (process.env['PATH'] ?? '/usr/bin:/bin').split(':').filter((d) => d !== '' && !existsSync(join(d, 'mdevctl'))).join(':');
    const plain = (line: string) => complete(h.path('mdevctl.bash'), line, { MDEVCTL_ENV_ROOT: h.root, PATH: noMdevctl });
    assert.deepEqual(plain('mdevctl start -p toy'), []);
    assert.deepEqual(plain('mdevctl start -p m'), ['matrix', 'mbochs', 'mdpy', 'mtty']);
    ok(mdevctl(h.root, 'complete-values', 'type', 'toy1'), 'toy-small\n');
    ok(mdevctl(h.root, 'complete-values', 'type', '../../bus/toy/devices'));
    fails(mdevctl(h.root, 'complete-values', 'sizes'), 2);
  });
});

test('apply, diff and assert place and start devices on toy parents as on mdev parents', () =>
  withToys((h) => {
    const file = desiredFile(h, 'name: mixed\ndevices:\n  - name: console\n    parent: mtty\n    type: mtty-2\n  - name: big\n    parent: toy0\n    type: toy-big\nrequests:\n  - name: small\n    type: toy-small\n    count: 1\n    parents: {name: "toy*"}\n');
    const [console_, big, small] = [uuidOf('mixed', 'device/console'), uuidOf('mixed', 'device/big'), uuidOf('mixed', 'request/small/0')];
    const plan = planOf(h, ['apply', file]);
    assert.deepEqual(
      plan.actions.map((a) => `${a.action} ${a.parent}/${a.uuid}`).sort(),
      [`define mtty/${console_}`, `define toy0/${big}`, `define toy1/${small}`, `start mtty/${console_}`, `start toy0/${big}`, `start toy1/${small}`].sort(),
      'the request goes to the one toy parent with room',
    );
    assert.equal(h.read('sys/bus/toy/devices/toy0/slot'), `toy-big ${big}\n`);
    assert.equal(h.read('sys/bus/toy/devices/toy1/slot'), `toy-small ${small}\n`);
    assert.deepEqual(h.activeUuids(), [console_]);
    assert.equal(planOf(h, ['apply', file]).changed, false, 'a second apply changes nothing');
    ok(mdevctl(h.root, 'assert', file));
    run(h, 'stop', '-u', big);
    assert.deepEqual(planOf(h, ['diff', file]).actions.map((a) => `${a.action} ${a.parent}/${a.uuid}`), [`start toy0/${big}`]);
  }));

test('modify --live and the call-outs reach a toy device as an mdev device (same arguments, config on stdin)', () =>
  withToys((h) => {
    const dir = h.path('usr/lib/mdevctl/scripts.d/callouts');
    mkdirSync(dir, { recursive: true });
    const caps = supportsJson(['pre', 'post', 'notify', 'get', 'live']);
    writeFileSync(
      join(dir, '10-log'),
      `#!/bin/sh\nargs="$*"\nwhile [ $# -gt 0 ]; do case "$1" in -e) e=$2;; -a) a=$2;; esac; shift; done\n` +
        `if [ "$e" = get ] && [ "$a" = capabilities ]; then printf '%s' '${caps}'; exit 0; fi\n` +
        `[ "$e" = get ] && { printf '[]'; exit 0; }\necho "$args $(cat)" >> '${h.path('callouts.log')}'\nexit 0\n`,
      { mode: 0o755 },
    );
    run(h, 'start', '-u', U(1), '-p', 'toy0', '-t', 'toy-small');
    run(h, 'start', '-u', U(2), '-p', 'mtty', '-t', 'mtty-1');
    writeFileSync(h.path('live-toy.json'), config('toy-small', 'manual', [['speed', '3']]));
    writeFileSync(h.path('live-mtty.json'), config('mtty-1', 'manual', [['speed', '3']]));
    rmSync(h.path('callouts.log'));
    run(h, 'modify', '-u', U(1), '--live', '--jsonfile', h.path('live-toy.json'));
    run(h, 'modify', '-u', U(2), '--live', '--jsonfile', h.path('live-mtty.json'));
    const oneLine = (type: string) => JSON.stringify(JSON.parse(config(type, 'manual', [['speed', '3']])));
    assert.equal(
      readFileSync(h.path('callouts.log'), 'utf8'),
      `-t toy-small -e live -a modify -s none -u ${U(1)} -p toy0 ${oneLine('toy-small')}\n` +
        `-t mtty-1 -e live -a modify -s none -u ${U(2)} -p mtty ${oneLine('mtty-1')}\n`,
    );
    assert.equal(h.read('sys/bus/toy/devices/toy0/slot'), `toy-small ${U(1)}\n`, 'still running, as the call-out left it');
  }));
