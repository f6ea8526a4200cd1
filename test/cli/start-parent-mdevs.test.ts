// Black-box: the hidden `mdevctl start-parent-mdevs PARENT` the udev rule runs when a parent
// appears: starts that parent's `auto` definitions, warns about each failure and goes on;
// exits 1 naming the devices that did not start (SPEC §8: upstream exits 0).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdevctl, runBin } from '../helpers/cli.js';
import type { SimHost } from '../helpers/sim-host.js';
import { withHost, ok, run } from '../helpers/expect.js';

const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
const U5 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f05';
const U6 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f06';
const WARN = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN {2}mdevctl\] (.*)$/;

/** The messages of stderr's warning lines; fails on any other line. */
function warnings(stderr: string): string[] {
  assert.ok(stderr.endsWith('\n'), `stderr ends with a newline: ${JSON.stringify(stderr)}`);
  return stderr
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = WARN.exec(line);
      assert.ok(m, `a warning line: ${line}`);
      return m[1] ?? '';
    });
}

/** FACTS §3: U3 auto mtty-1, U4 auto mtty-2, U5 manual mtty-1. */
function defineFacts(h: SimHost): void {
  run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3, '--auto');
  run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U4, '--auto');
  run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5);
  ok(mdevctl(h.root, 'list', '-d'), `${U3} mtty mtty-1 auto\n${U4} mtty mtty-2 auto\n${U5} mtty mtty-1 manual\n`);
}

test('start-parent-mdevs starts only the auto definitions of that parent, silently', () => {
  withHost((h) => {
    defineFacts(h);
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U6, '--auto');
    run(h, 'start-parent-mdevs', 'mtty');
    assert.deepEqual(h.activeUuids(), [U3, U4]);
    ok(mdevctl(h.root, 'list'), `${U3} mtty mtty-1 auto (defined)\n${U4} mtty mtty-2 auto (defined)\n`);
    ok(mdevctl(h.root, 'list', '-d', '-p', 'mtty'), `${U3} mtty mtty-1 auto (active)\n${U4} mtty mtty-2 auto (active)\n${U5} mtty mtty-1 manual\n`);
  });
});

test('a second run: exit 0, one "Device U already exists: it is running" warning per device on stderr', () => {
  withHost((h) => {
    defineFacts(h);
    run(h, 'start-parent-mdevs', 'mtty');
    const r = mdevctl(h.root, 'start-parent-mdevs', 'mtty');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.deepEqual(warnings(r.stderr), [`Device ${U3} already exists: it is running`, `Device ${U4} already exists: it is running`]);
    assert.deepEqual(h.activeUuids(), [U3, U4]);
    // MDEVCTL_LOG=error hides warnings
    ok(runBin(h.root, ['start-parent-mdevs', 'mtty'], { env: { MDEVCTL_LOG: 'error' } }));
  });
});

test('a failing auto definition is reported, the others are still started, and the run fails naming it', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-9', '-u', U3, '--auto');
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U4, '--auto');
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5, '--auto');
    run(h, 'modify', '-u', U5, '--addattr', 'nosuchattr', '--value', '1');
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U6, '--auto');
    const r = mdevctl(h.root, 'start-parent-mdevs', 'mtty');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const last = `Error: 2 auto devices of mtty did not start: ${U3}, ${U5}\n`;
    assert.ok(r.stderr.endsWith(`\n${last}`), r.stderr);
    const w = warnings(r.stderr.slice(0, -last.length));
    assert.equal(w.length, 2, r.stderr);
    assert.match(w[0] ?? '', /mtty-9/);
    assert.match(w[1] ?? '', /nosuchattr/);
    assert.deepEqual(h.activeUuids(), [U4, U6]);
  });
});

test('start-parent-mdevs of an unknown parent, or one without definitions: exit 0, no output', () => {
  withHost((h) => {
    defineFacts(h);
    ok(mdevctl(h.root, 'start-parent-mdevs', 'nosuchparent'));
    ok(mdevctl(h.root, 'start-parent-mdevs', 'mdpy'));
    assert.deepEqual(h.activeUuids(), []);
  });
});

test('start-parent-mdevs usage errors (exit 2), nothing started', () => {
  withHost((h) => {
    defineFacts(h);
    for (const args of [[], ['../mtty'], ['a/b']]) {
      const r = mdevctl(h.root, 'start-parent-mdevs', ...args);
      assert.deepEqual({ status: r.status, stdout: r.stdout }, { status: 2, stdout: '' }, r.stderr);
      assert.match(r.stderr, /^error: [^\n]+\n$/);
    }
    assert.deepEqual(h.activeUuids(), []);
  });
});
