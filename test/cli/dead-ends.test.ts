// Black-box: no dead ends, and messages that say what is wrong — undefine of a definition that
// does not parse, the import-legacy hint for a 0.x file, import-legacy's type-file checks, the
// nearest command or option for a typo, and create-mdev whose start fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mdevctl } from '../helpers/cli.js';
import { fails, ok, run, withHost, WARN } from '../helpers/expect.js';
import { withScripts } from '../helpers/callout-scripts.js';
import type { SimHost } from '../helpers/sim-host.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';

function put(h: { path: (rel: string) => string }, rel: string, text: string): string {
  const file = h.path(rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

test('undefine of a definition that does not parse removes it, runs no call-out, and says so in one warning', () =>
  withScripts((s) => {
    s.callout('10-log', 'exit 0');
    const bad = put(s.host, `etc/mdevctl.d/mtty/${U1}`, '{"mdev_type": "mtty-1", "start": ');
    const r = s.run('undefine', '-u', U1);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', WARN);
    assert.ok(lines[0]?.includes(`Removed ${bad}`) && lines[0].includes('the call-out scripts were not run'), r.stderr);
    assert.ok(!existsSync(bad));
    assert.deepEqual(s.trace(), [], 'no call-out ran');
    // a good definition beside it is still undefined through the call-outs
    assert.equal(s.run('define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    put(s.host, `etc/mdevctl.d/mdpy/${U2}`, '{"attrs": 3}');
    s.clearLog();
    const both = s.run('undefine', '-u', U2);
    assert.equal(both.status, 0, both.stderr);
    assert.deepEqual(s.host.definitions('mtty'), []);
    assert.deepEqual(s.host.definitions('mdpy'), []);
    assert.ok(s.trace().some((t) => t.includes('pre undefine')), 'the good one went through the call-outs');
  }));

test('a 0.x key=value file among the definitions: the warning names mdevctl import-legacy', () =>
  withHost((h) => {
    const file = put(h, `etc/mdevctl.d/mtty/${U1}`, 'mdev_type=mtty-1\nstart=auto\n');
    const r = mdevctl(h.root, 'list', '-d');
    assert.equal(r.status, 0);
    assert.match(r.stderr, WARN);
    assert.ok(r.stderr.includes(`Invalid JSON in ${file}`) && r.stderr.includes('convert it with mdevctl import-legacy'), r.stderr);
    // other bad JSON gets no such hint
    put(h, `etc/mdevctl.d/mtty/${U1}`, '{"mdev_type": ');
    assert.ok(!mdevctl(h.root, 'list', '-d').stderr.includes('import-legacy'));
  }));

test('import-legacy: a 0.1 type file that is clearly no type is skipped; a type no parent has is imported with a warning', () =>
  withHost((h) => {
    const garbage = put(h, `etc/mdev.d/mtty/${U1}`, 'garbage\n');
    const words = put(h, `etc/mdev.d/mtty/${U2}`, 'not a type\n');
    const absent = put(h, `etc/mdev.d/mtty/${U3}`, 'mtty-9\n');
    const r = mdevctl(h.root, 'import-legacy', '--apply');
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.includes(`invalid ${garbage}: "garbage" is no mdev type name (the kernel names each type <driver>-<name>, like mtty-1)\n`), r.stdout);
    assert.ok(r.stdout.includes(`invalid ${words}: "not a type" is no mdev type name`), r.stdout);
    assert.ok(r.stdout.includes(`defined ${U3} on mtty: type mtty-9`), r.stdout);
    const warnings = r.stderr.split('\n').filter((l) => WARN.test(l));
    assert.deepEqual(warnings.map((l) => l.replace(WARN, '')), [`${absent}: type mtty-9 exists on no parent of this host; check it before starting ${U3}`]);
    assert.deepEqual(h.definitions('mtty'), [U3]);
  }));

test('an unknown command or option: the nearest one, and where --help is (exit 2)', () =>
  withHost((h) => {
    fails(mdevctl(h.root, 'lst'), 2, "error: unrecognized subcommand 'lst'. Did you mean 'list'? See 'mdevctl --help'\n");
    fails(mdevctl(h.root, 'undefin', '-u', U1), 2, "error: unrecognized subcommand 'undefin'. Did you mean 'undefine'? See 'mdevctl --help'\n");
    fails(mdevctl(h.root, 'frobnicate'), 2, "error: unrecognized subcommand 'frobnicate'. See 'mdevctl --help'\n");
    fails(mdevctl(h.root, 'list', '--dumpjsn'), 2, 'error: Unsupported option name ("--dumpjsn"). Did you mean \'--dumpjson\'? See \'mdevctl list --help\'\n');
    fails(mdevctl(h.root, 'start', '--uuidd=x'), 2, 'error: Invalid option name ("--uuidd=x"). Did you mean \'--uuid\'? See \'mdevctl start --help\'\n');
    fails(mdevctl(h.root, 'list', '-z'), 2, 'error: Unsupported option name ("-z"). See \'mdevctl list --help\'\n');
  }));

test('create-mdev whose start fails leaves no definition behind, and says so', () =>
  withHost((h: SimHost) => {
    const r = mdevctl(h.root, 'create-mdev', U1, 'mtty', 'mtty-9');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
    assert.deepEqual(errors, [
      'Error: Parent mtty does not support mdev type mtty-9',
      `Error: create-mdev: ${U1} was not started, so its definition was removed again`,
    ]);
    assert.deepEqual(h.definitions('mtty'), []);
    assert.deepEqual(h.activeUuids(), []);
    run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1');
    ok(mdevctl(h.root, 'list', '-d'), `${U2} mtty mtty-1 manual\n`);
  }));
