// Black-box: the decisions SPEC §8 added after measuring the first release — an unknown `start`
// value means manual with one warning (stored files and --jsonfile), and vendor plugins claim by
// parent and type (a type name of theirs under a parent not theirs: no refusal, no warning).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mdevctl } from '../helpers/cli.js';
import { config, ok, run, withHost, WARN } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const GPU = '0000:00:02.0';

/** Exactly one warning line, naming every one of `parts`. */
function oneWarning(stderr: string, ...parts: string[]): void {
  const lines = stderr.split('\n');
  assert.equal(lines.length, 2, `one warning line expected, got: ${stderr}`);
  assert.match(lines[0] ?? '', WARN);
  for (const p of parts) assert.ok((lines[0] ?? '').includes(p), `the warning names ${p}: ${stderr}`);
}

function store(h: SimHost, parent: string, uuid: string, text: string): string {
  mkdirSync(h.path(`etc/mdevctl.d/${parent}`), { recursive: true });
  const file = h.path(`etc/mdevctl.d/${parent}/${uuid}`);
  writeFileSync(file, text);
  return file;
}

test('a stored "start": "Auto" is manual with one warning naming the file and the value; never hidden from list -d', () =>
  withHost((h) => {
    const file = store(h, 'mtty', U1, '{"mdev_type": "mtty-1", "start": "Auto", "attrs": []}');
    run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    const listed = mdevctl(h.root, 'list', '-d');
    assert.equal(listed.status, 0);
    assert.equal(listed.stdout, `${U1} mtty mtty-1 manual\n${U2} mtty mtty-2 manual\n`);
    oneWarning(listed.stderr, file, '"Auto"');
    const json = mdevctl(h.root, 'list', '-d', '--dumpjson', '-u', U1);
    assert.equal(json.stdout, `${config('mtty-1', 'manual')}\n`);
    oneWarning(json.stderr, file, '"Auto"');
    // a start reads it as manual too; start-parent-mdevs (auto devices only) leaves it alone
    const started = mdevctl(h.root, 'start-parent-mdevs', 'mtty');
    assert.equal(started.status, 0);
    assert.deepEqual(h.activeUuids(), []);
    // modify --manual writes the file (the config is "equal", the file is not)
    const modified = mdevctl(h.root, 'modify', '-u', U1, '--manual');
    assert.equal(modified.status, 0);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), config('mtty-1', 'manual'));
    ok(mdevctl(h.root, 'list', '-d', '-u', U1), `${U1} mtty mtty-1 manual\n`);
    // a start that is no string is still an invalid file
    store(h, 'mtty', U1, '{"mdev_type": "mtty-1", "start": 1}');
    const bad = mdevctl(h.root, 'list', '-d');
    assert.equal(bad.stdout, `${U2} mtty mtty-2 manual\n`);
    assert.match(bad.stderr, /"start" must be "auto" or "manual"/);
  }));

test('--jsonfile with "start": "yes" is not refused: define and start take it as manual, with one warning', () =>
  withHost((h) => {
    const json = h.path('dev.json');
    writeFileSync(json, '{"mdev_type": "mtty-1", "start": "yes"}');
    const defined = mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '--jsonfile', json);
    assert.equal(defined.status, 0, defined.stderr);
    oneWarning(defined.stderr, json, '"yes"');
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), config('mtty-1', 'manual'));
    const started = mdevctl(h.root, 'start', '-u', U2, '-p', 'mtty', '--jsonfile', json);
    assert.equal(started.status, 0, started.stderr);
    oneWarning(started.stderr, json, '"yes"');
    assert.deepEqual(h.activeUuids(), [U2]);
    run(h, 'modify', '-u', U1, '--auto');
    const modified = mdevctl(h.root, 'modify', '-u', U1, '--jsonfile', json);
    assert.equal(modified.status, 0, modified.stderr);
    oneWarning(modified.stderr, json, '"yes"');
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), config('mtty-1', 'manual'));
  }));

/** `define -u U -p OTHER` of the running device U: defined with its type, exit 0, stderr empty. */
function definesUnder(h: SimHost, uuid: string, parent: string, type: string): void {
  ok(mdevctl(h.root, 'define', '-u', uuid, '-p', parent));
  assert.equal(JSON.parse(h.read(`etc/mdevctl.d/${parent}/${uuid}`)).mdev_type, type);
}

test('vendor plugins claim by parent and type: their type name under a parent not theirs gets no refusal, no warning', () =>
  withHost(
    (h) => {
      // i915-gvtg: a running GVT-g vGPU defined under mtty (was "Invalid GVT-g parent 'mtty'")
      run(h, 'start', '-u', U1, '-p', GPU, '-t', 'i915-GVTg_V5_4');
      definesUnder(h, U1, 'mtty', 'i915-GVTg_V5_4');
      ok(mdevctl(h.root, 'define', '-u', U2, '-p', 'mdpy', '-t', 'i915-GVTg_V5_8'));
      run(h, 'stop', '-u', U1);
      run(h, 'undefine', '-u', U1);
      run(h, 'undefine', '-u', U2);
      // vfio-ccw: a running vfio_ccw-io device defined under mtty
      run(h, 'start', '-u', U1, '-p', '0.0.0313', '-t', 'vfio_ccw-io');
      definesUnder(h, U1, 'mtty', 'vfio_ccw-io');
      ok(mdevctl(h.root, 'define', '-u', U2, '-p', GPU, '-t', 'vfio_ccw-io', '--auto'));
      run(h, 'stop', '-u', U1);
      run(h, 'undefine', '-u', U1);
      run(h, 'undefine', '-u', U2);
      // vfio-ap: a running vfio_ap-passthrough device defined under mtty, with an id it would refuse
      run(h, 'start', '-u', U1, '-p', 'matrix', '-t', 'vfio_ap-passthrough');
      definesUnder(h, U1, 'mtty', 'vfio_ap-passthrough');
      ok(mdevctl(h.root, 'define', '-u', U2, '-p', 'mdpy', '-t', 'vfio_ap-passthrough', '--auto'));
      ok(mdevctl(h.root, 'modify', '-u', U2, '--addattr', 'assign_adapter', '--value', '999'));
      run(h, 'stop', '-u', U1);
      run(h, 'undefine', '-u', U1);
      run(h, 'undefine', '-u', U2);
      // mtty: a running mtty device defined under mdpy
      run(h, 'start', '-u', U1, '-p', 'mtty', '-t', 'mtty-2');
      definesUnder(h, U1, 'mdpy', 'mtty-2');
      // their own parents are still checked
      assert.equal(mdevctl(h.root, 'define', '-u', U2, '-p', '0000:00:2.0', '-t', 'i915-GVTg_V5_4').status, 1);
      assert.equal(mdevctl(h.root, 'define', '-u', U2, '-p', '0.0.313', '-t', 'vfio_ccw-io').status, 1);
      run(h, 'define', '-u', U2, '-p', 'matrix', '-t', 'vfio_ap-passthrough');
      assert.equal(mdevctl(h.root, 'modify', '-u', U2, '--addattr', 'assign_adapter', '--value', '999').status, 1);
    },
    { parents: ['mtty', 'mdpy', GPU, '0.0.0313', 'matrix'] },
  ));
