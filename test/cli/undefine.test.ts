// Black-box: `mdevctl undefine` — removes every matching definition (all parents unless -p),
// leaves running devices alone (SPEC §3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdevctl } from '../helpers/cli.js';
import { withHost, ok, run, fails, tree, unchanged } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';

test('undefine removes the definition file (the parent dir may stay), prints nothing', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2);
    run(h, 'undefine', '-u', U1);
    assert.deepEqual(h.definitions('mtty'), [U2]);
    run(h, 'undefine', `--uuid=${U2.toUpperCase()}`);
    assert.deepEqual(h.definitions('mtty'), []);
    ok(mdevctl(h.root, 'list', '-d'), '');
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), '[]\n');
  });
});

test('undefine of a uuid defined under two parents removes both; with -p only that one', () => {
  withHost((h) => {
    for (const [p, t] of [['mtty', 'mtty-1'], ['mdpy', 'mdpy-vga'], ['mbochs', 'mbochs-small']] as const) {
      run(h, 'define', '-p', p, '-t', t, '-u', U1);
    }
    run(h, 'undefine', '-u', U1, '-p', 'mdpy');
    assert.deepEqual(h.definitions('mdpy'), []);
    assert.deepEqual(h.definitions('mtty'), [U1]);
    assert.deepEqual(h.definitions('mbochs'), [U1]);
    run(h, 'undefine', '-u', U1);
    assert.deepEqual(h.definitions('mtty'), []);
    assert.deepEqual(h.definitions('mbochs'), []);
  });
});

test('undefine of an unknown uuid: "No devices match the specified uuid", nothing written', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'undefine', '-u', U1), 1, 'Error: No devices match the specified uuid\n'));
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    // defined, but not under the parent given
    unchanged(h, () => fails(mdevctl(h.root, 'undefine', '-u', U1, '-p', 'mdpy'), 1, 'Error: No devices match the specified uuid\n'));
    unchanged(h, () => fails(mdevctl(h.root, 'undefine', '-u', U2), 1, 'Error: No devices match the specified uuid\n'));
    // a running transient device is not a definition
    run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    unchanged(h, () => fails(mdevctl(h.root, 'undefine', '-u', U2), 1, 'Error: No devices match the specified uuid\n'));
  });
});

test('undefine of a running device leaves it running (no longer "(defined)")', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'start', '-u', U1);
    const sysBefore = tree(h.path('sys'));
    run(h, 'undefine', '-u', U1);
    assert.deepEqual(tree(h.path('sys')), sysBefore, 'sysfs untouched');
    assert.deepEqual(h.activeUuids(), [U1]);
    assert.deepEqual(h.definitions('mtty'), []);
    ok(mdevctl(h.root, 'list'), `${U1} mtty mtty-2 manual\n`);
    ok(mdevctl(h.root, 'list', '-d'), '');
  });
});

test('undefine usage errors (exit 2), nothing written', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    for (const args of [[], ['-p', 'mtty'], ['-u', 'nope'], ['-u', U1, '-p', '../mtty'], ['-u', U1, '-p', 'a/b'], ['-u', U1, '--bogus']]) {
      unchanged(h, () => fails(mdevctl(h.root, 'undefine', ...args), 2));
    }
    assert.deepEqual(h.definitions('mtty'), [U1]);
  });
});
