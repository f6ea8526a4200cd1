// Black-box: the program as a whole — --version, --help and per-command help, usage errors,
// a broken installation (missing dirs), and errors that stay one line without MDEVCTL_LOG=debug.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LSMDEV_BIN, mdevctl, runBin, tempDir } from '../helpers/cli.js';
import { withHost, ok, fails } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const COMMANDS = ['define', 'undefine', 'modify', 'start', 'stop', 'list', 'types'];

/** The command names listed under "Commands:" in the program help. */
function listedCommands(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^Commands:?$/i.test(l.trim()));
  assert.ok(start >= 0, `a Commands section: ${help}`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break;
    const name = line.trim().split(/\s+/)[0];
    if (name) out.push(name);
  }
  return out;
}

test('--version prints "mdevctl 1.4.0"', () => {
  const { dir, cleanup } = tempDir();
  try {
    // no host needed (the root does not even exist)
    ok(mdevctl(join(dir, 'nothing-here'), '--version'), 'mdevctl 1.4.0\n');
    ok(mdevctl(join(dir, 'nothing-here'), '-V'), 'mdevctl 1.4.0\n');
  } finally {
    cleanup();
  }
});

test('--help: exit 0, lists the commands but not the hidden start-parent-mdevs; touches no host', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const flag of ['--help', '-h', 'help']) {
      const r = mdevctl(join(dir, 'nothing-here'), flag);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const listed = listedCommands(r.stdout);
      for (const c of COMMANDS) assert.ok(listed.includes(c), `${flag} lists ${c}: ${r.stdout}`);
      assert.ok(!r.stdout.includes('start-parent-mdevs'), `${flag} does not show start-parent-mdevs`);
    }
  } finally {
    cleanup();
  }
});

test('CMD --help: exit 0 for every command, with its usage and options', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = mdevctl(join(dir, 'nothing-here'), c, flag);
        assert.equal(r.status, 0, `${c} ${flag}: ${r.stderr}`);
        assert.equal(r.stderr, '', `${c} ${flag}`);
        assert.ok(r.stdout.includes(`mdevctl ${c}`), `${c} ${flag} shows its usage: ${r.stdout}`);
      }
    }
    // option help texts that scripts rely on
    const define = mdevctl(join(dir, 'nothing-here'), 'define', '--help').stdout;
    for (const o of ['--uuid', '--parent', '--type', '--auto', '--jsonfile', '--force']) assert.ok(define.includes(o), `define --help shows ${o}`);
    const modify = mdevctl(join(dir, 'nothing-here'), 'modify', '--help').stdout;
    for (const o of ['--addattr', '--delattr', '--index', '--value', '--live', '--defined', '--jsonfile']) {
      assert.ok(modify.includes(o), `modify --help shows ${o}`);
    }
    // help for a command, even after other options
    assert.equal(mdevctl(join(dir, 'nothing-here'), 'list', '-d', '--help').status, 0);
  } finally {
    cleanup();
  }
});

test('the hidden start-parent-mdevs answers --help with its own usage (hidden only from the command list)', () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = mdevctl(join(dir, 'nothing-here'), 'start-parent-mdevs', '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(r.stdout.includes('mdevctl start-parent-mdevs'), `shows its usage: ${r.stdout}`);
  } finally {
    cleanup();
  }
});

test('lsmdev --help and --version', () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = runBin(join(dir, 'nothing-here'), ['--help'], { bin: LSMDEV_BIN });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('--dumpjson'));
    ok(runBin(join(dir, 'nothing-here'), ['--version'], { bin: LSMDEV_BIN }), 'lsmdev 1.4.0\n');
  } finally {
    cleanup();
  }
});

test('no arguments: exit 2, nothing on stdout', () => {
  withHost((h) => {
    const r = mdevctl(h.root);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.notEqual(r.stderr, '');
  });
});

test('an unknown command: exit 2, one line', () => {
  withHost((h) => {
    fails(mdevctl(h.root, 'frobnicate'), 2, /frobnicate/);
    fails(mdevctl(h.root, 'lists'), 2);
    fails(mdevctl(h.root, '--bogus'), 2);
  });
});

test('a root missing etc/mdevctl.d: exit 1, one line naming the dir, a packaging or installation error', () => {
  for (const missing of ['etc/mdevctl.d', 'usr/lib/mdevctl/scripts.d/callouts', 'usr/lib/mdevctl/scripts.d/notifiers']) {
    withHost((h) => {
      rmSync(h.path(missing), { recursive: true, force: true });
      for (const args of [['list'], ['list', '-d'], ['types'], ['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1], ['start', '-p', 'mtty', '-t', 'mtty-1']]) {
        const r = mdevctl(h.root, ...args);
        fails(r, 1, /packaging or installation error/);
        assert.ok(r.stderr.includes(h.path(missing)), `${args.join(' ')} names ${missing}: ${r.stderr}`);
      }
      assert.deepEqual(h.activeUuids(), []);
      assert.deepEqual(h.definitions('mtty'), []);
    });
  }
});

test('the deprecated etc/mdevctl.d/scripts.d dirs are optional', () => {
  withHost((h) => {
    rmSync(h.path('etc/mdevctl.d/scripts.d'), { recursive: true, force: true });
    ok(mdevctl(h.root, 'list'), '');
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1));
    ok(mdevctl(h.root, 'start', '-u', U1));
  });
});

test('scripts.d under etc/mdevctl.d is not a parent', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'list', '-d'), '');
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), '[]\n');
  });
});

test('errors are one line without a stack trace; MDEVCTL_LOG=debug adds the stack', () => {
  withHost((h) => {
    const plain = mdevctl(h.root, 'start', '-u', U1);
    fails(plain, 1);
    assert.ok(!plain.stderr.includes('    at '), plain.stderr);
    for (const level of ['error', 'warn', 'info']) {
      const r = runBin(h.root, ['start', '-u', U1], { env: { MDEVCTL_LOG: level } });
      assert.equal(r.status, 1);
      assert.ok(!r.stderr.includes('    at '), `MDEVCTL_LOG=${level}: ${r.stderr}`);
      assert.ok(r.stderr.endsWith(plain.stderr) || r.stderr.includes(plain.stderr), `MDEVCTL_LOG=${level}: ${r.stderr}`);
    }
    const debug = runBin(h.root, ['start', '-u', U1], { env: { MDEVCTL_LOG: 'debug' } });
    assert.equal(debug.status, 1);
    assert.equal(debug.stdout, '');
    assert.ok(debug.stderr.includes(plain.stderr.trimEnd()), debug.stderr);
    assert.match(debug.stderr, /\n\s+at /, 'a stack trace with MDEVCTL_LOG=debug');
    // usage errors and kernel refusals are one line too
    fails(mdevctl(h.root, 'start', '-u', 'nope'), 2);
    for (const u of ['1', '2', '3', '4']) ok(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U1.replace(/1$/, u)));
    fails(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-hd'), 1);
  });
});

test('a root that does not exist at all: exit 1, one line', () => {
  const { dir, cleanup } = tempDir();
  try {
    fails(mdevctl(join(dir, 'nothing-here'), 'list'), 1, /packaging or installation error/);
  } finally {
    cleanup();
  }
});
