// vfio-ap on the simulated s390 host, black-box: conflicts refused at define (auto) and start
// before anything is written, `mdevctl validate` exit codes, start-parent-mdevs skipping a
// conflicting device, list -x showing the matrix, and default output untouched by the plugin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mdevctl, runBin, type RunResult } from '../helpers/cli.js';
import { config, ok, run, unchanged, withHost } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';

const A = '0a000000-0000-4000-8000-00000000000a';
const B = '0b000000-0000-4000-8000-00000000000b';
const C = '0c000000-0000-4000-8000-00000000000c';
const TYPE = 'vfio_ap-passthrough';

type Attrs = Array<[string, string]>;
const json = (start: 'auto' | 'manual', attrs: Attrs): string => config(TYPE, start, attrs);

function define(h: SimHost, uuid: string, start: 'auto' | 'manual', attrs: Attrs): RunResult {
  return runBin(h.root, ['define', '-u', uuid, '-p', 'matrix', '--jsonfile', '/dev/stdin'], { input: json(start, attrs) });
}

/** Writes a definition file directly (as an admin or an older mdevctl may have). */
function store(h: SimHost, uuid: string, start: 'auto' | 'manual', attrs: Attrs): void {
  const path = h.path(`etc/mdevctl.d/matrix/${uuid}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, json(start, attrs));
}

/** Exit 1, nothing on stdout, exactly these `Error:` lines. */
function refused(r: RunResult, errors: string[]): void {
  assert.deepEqual(r, { status: 1, stdout: '', stderr: errors.map((e) => `Error: ${e}\n`).join('') });
}

const Q54: Attrs = [['assign_adapter', '5'], ['assign_domain', '4']];

test('define of an auto device: every conflict on its own line, with bad attributes, and nothing written', () =>
  withHost((h) => {
    ok(define(h, A, 'auto', [['assign_adapter', '5'], ['assign_domain', '4'], ['assign_domain', '0x47']]));
    unchanged(h, () =>
      refused(define(h, B, 'auto', [['assign_adapter', '5'], ['assign_adapter', '0x10'], ['assign_domain', '4'], ['assign_domain', '0x47'], ['assign_domain', '1'], ['assign_mode', '1']]), [
        "Unknown vfio-ap attribute 'assign_mode' (vfio-ap takes assign_adapter, assign_domain, assign_control_domain, ap_config, unassign_adapter, unassign_domain, unassign_control_domain)",
        `APQN 05.0004 is also assigned to auto-start device ${A}`,
        `APQN 05.0047 is also assigned to auto-start device ${A}`,
        'APQN 10.0001 is reserved for the host by the AP bus masks (no persistent ones in /etc/udev/rules.d/41-ap.rules; the live /sys/bus/ap masks)',
      ]),
    );
    ok(define(h, B, 'manual', Q54), ''); // manual: checked when it starts
  }, { parents: ['matrix'] }));

test('start: a queue in use by a running device or still owned by the host is refused before create', () =>
  withHost((h) => {
    ok(define(h, A, 'manual', Q54));
    ok(define(h, B, 'manual', [['assign_adapter', '5'], ['assign_adapter', '7'], ['assign_domain', '4'], ['assign_domain', '1']]));
    run(h, 'start', '-u', A);
    assert.equal(h.read(`sys/bus/mdev/devices/${A}/matrix`), '05.0004\n');
    unchanged(h, () =>
      refused(mdevctl(h.root, 'start', '-u', B), [
        `APQN 05.0004 is already in use by running device ${A}`,
        'APQN 07.0001 is still owned by the host, as set in the live AP bus masks /sys/bus/ap/apmask and aqmask',
      ]),
    );
    assert.deepEqual(h.activeUuids(), [A]);
  }, { parents: ['matrix'] }));

test('mdevctl validate: exit 0 when every definition is fine, 1 naming each conflict of auto definitions', () =>
  withHost((h) => {
    store(h, A, 'auto', Q54);
    store(h, C, 'manual', Q54);
    ok(mdevctl(h.root, 'validate'), '');
    store(h, B, 'auto', [...Q54, ['assign_control_domain', '4']]);
    const r = mdevctl(h.root, 'validate');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, `matrix/${A}: error: APQN 05.0004 is also assigned to auto-start device ${B}\nmatrix/${B}: error: APQN 05.0004 is also assigned to auto-start device ${A}\n`);
    ok(mdevctl(h.root, 'validate', '-u', C), '');
  }, { parents: ['matrix'] }));

test('start-parent-mdevs matrix skips a conflicting device with one warning naming it and starts the rest', () =>
  withHost((h) => {
    store(h, A, 'auto', Q54);
    store(h, B, 'auto', [['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '4'], ['assign_domain', '0x47']]);
    store(h, C, 'auto', [['assign_adapter', '6'], ['assign_domain', '0xab']]);
    const r = mdevctl(h.root, 'start-parent-mdevs', 'matrix');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(`^\\[[^\\]]+ WARN  mdevctl\\] Skipping ${B}: APQN 05\\.0004 is already in use by running device ${A}\\nError: 1 auto device of matrix did not start: ${B}\\n$`),
    );
    assert.deepEqual(h.activeUuids(), [A, C]);
  }, { parents: ['matrix'] }));

test('list -x shows the APQN matrix of running and defined devices; default list and types do not change', () =>
  withHost((h) => {
    store(h, A, 'auto', [...Q54, ['assign_domain', '0x47'], ['assign_control_domain', '0xab']]);
    store(h, B, 'manual', [['assign_adapter', '6'], ['assign_domain', '0xab']]);
    run(h, 'start', '-u', A);
    const off = h.path('no-ap.json');
    writeFileSync(off, JSON.stringify({ plugins: { 'vfio-ap': false } }));
    for (const args of [['list'], ['list', '-d'], ['list', '-d', '-v'], ['list', '--dumpjson'], ['list', '-d', '--dumpjson'], ['types'], ['types', '--dumpjson']]) {
      const withPlugin = mdevctl(h.root, ...args);
      assert.equal(withPlugin.status, 0);
      assert.deepEqual(withPlugin, runBin(h.root, args, { env: { MDEVCTL_CONFIG: off } }), args.join(' '));
    }
    const x = mdevctl(h.root, 'list', '-x');
    ok(x, [
      `${A} matrix ${TYPE} auto (defined)`,
      '  Claimed by: vfio-ap',
      '  Adapters: 05',
      '  Usage domains: 0004 0047',
      '  Control domains: 00ab',
      '  APQNs: 05.0004 05.0047\n',
    ].join('\n'));
    const dx = JSON.parse(mdevctl(h.root, 'list', '-d', '-x', '--dumpjson').stdout) as Array<Record<string, Array<Record<string, { apqn_matrix: unknown }>>>>;
    assert.deepEqual(dx[0]?.['matrix']?.[1]?.[B]?.apqn_matrix, { adapters: ['06'], usage_domains: ['00ab'], control_domains: [], apqns: ['06.00ab'] });
  }, { parents: ['matrix'] }));
