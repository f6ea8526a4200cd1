// Black-box: with all four vendor plugins loaded (mtty, i915-gvtg, vfio-ccw, vfio-ap — the
// default), the default `list`, `list -d`, `list -v`, `--dumpjson`, `lsmdev` and `types` output is
// byte for byte what it is with the four turned off in the configuration file; only `-x` adds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { LSMDEV_BIN, mdevctl, runBin, type RunResult } from '../helpers/cli.js';
import { run, withHost } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';

const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';
const VENDORS = ['mtty', 'i915-gvtg', 'vfio-ccw', 'vfio-ap'];
const U = (n: number) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0${n}`;

/** Defined, running and transient devices of every vendor (and one of mdpy, which has no plugin). */
function populate(h: SimHost): void {
  run(h, 'define', '-u', U(1), '-p', 'mtty', '-t', 'mtty-2', '--auto');
  run(h, 'start', '-u', U(1));
  run(h, 'start', '-u', U(2), '-p', 'mtty', '-t', 'mtty-1');
  run(h, 'define', '-u', U(3), '-p', '0000:00:02.0', '-t', 'i915-GVTg_V5_4');
  run(h, 'start', '-u', U(3));
  run(h, 'define', '-u', U(4), '-p', '0.0.0313', '-t', 'vfio_ccw-io', '--auto');
  run(h, 'start', '-u', U(4));
  run(h, 'define', '-u', U(5), '-p', 'matrix', '-t', 'vfio_ap-passthrough');
  run(h, 'modify', '-u', U(5), '--addattr', 'assign_adapter', '--value', '5');
  run(h, 'modify', '-u', U(5), '--addattr', 'assign_domain', '--value', '0x47');
  run(h, 'start', '-u', U(5));
  run(h, 'define', '-u', U(6), '-p', 'mdpy', '-t', 'mdpy-vga');
}

const COMMANDS: string[][] = [
  ['list'],
  ['list', '-d'],
  ['list', '-v'],
  ['list', '-d', '-v'],
  ['list', '--dumpjson'],
  ['list', '-d', '--dumpjson'],
  ['list', '-u', U(5), '--dumpjson'],
  ['list', '-d', '-p', '0.0.0313'],
  ['types'],
  ['types', '--dumpjson'],
  ['types', '-p', '0000:00:02.0'],
  ['types', '-p', 'mtty', '--dumpjson'],
];

function outputs(h: SimHost): RunResult[] {
  return [...COMMANDS.map((c) => mdevctl(h.root, ...c)), runBin(h.root, ['-v'], { bin: LSMDEV_BIN })];
}

test('default list and types output is byte-identical with the four vendor plugins on and off', () =>
  withHost((h) => {
    populate(h);
    assert.equal(h.activeUuids().length, 5);
    const on = outputs(h);
    for (const r of on) assert.deepEqual({ status: r.status, stderr: r.stderr }, { status: 0, stderr: '' });
    // the plugins are really on: -x shows what each adds
    const x = mdevctl(h.root, 'list', '-x').stdout + mdevctl(h.root, 'types', '-x').stdout;
    for (const name of VENDORS) assert.ok(x.includes(`Claimed by: ${name}\n`), name);
    assert.match(x, /\n {2}QEMU: -device vfio-pci,sysfsdev=/);
    assert.match(x, /\n {4}Fence registers: 4\n/);
    writeFileSync(h.path(CONFIG), JSON.stringify({ plugins: Object.fromEntries(VENDORS.map((n) => [n, false])) }));
    const off = outputs(h);
    assert.doesNotMatch(mdevctl(h.root, 'types', '-x').stdout, /Claimed by/, 'the plugins are really off');
    [...COMMANDS, ['lsmdev', '-v']].forEach((c, i) => assert.deepEqual(off[i], on[i], c.join(' ')));
    rmSync(h.path(CONFIG));
    assert.deepEqual(outputs(h), on);
  }));
