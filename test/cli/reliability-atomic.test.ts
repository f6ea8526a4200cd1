// Atomic definition writes (issue 6, SPEC §5): a definition is written to a temp file (created
// O_EXCL|O_NOFOLLOW) staged in etc/ — on the same file system, outside etc/mdevctl.d, which
// libvirt watches with inotify (issue 18) — fsynced, renamed over the old one, and the dir fsynced — every step through fds of checked dirs; the old
// file is never opened for writing, so a reader holding it sees it whole. A failed write leaves
// no temp file and the old definition as it was. The syscall order is read with strace (the test
// says so and skips where strace is missing).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MDEVCTL_BIN } from '../helpers/cli.js';
import { config, fails, run, withHost } from '../helpers/expect.js';
import { mdevctl } from '../helpers/cli.js';
import { leftovers } from '../helpers/reliability.js';
import { simHost } from '../helpers/sim-host.js';

const U = '3f2e1d0c-9b8a-4765-8432-10fedcba9801';
const U2 = '3f2e1d0c-9b8a-4765-8432-10fedcba9802';
const FILE = `etc/mdevctl.d/mtty/${U}`;

const haveStrace = spawnSync('strace', ['-V']).status === 0;

test('modify writes temp (O_EXCL|O_NOFOLLOW), fsync, rename, fsync dir, all through the dir fd — never the old file in place', { skip: haveStrace ? false : 'strace is not installed' }, () => {
  withHost((h) => {
    run(h, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    const out = join(h.root, 'strace.txt');
    const r = spawnSync(
      'strace',
      ['-f', '-y', '-qq', '-e', 'trace=openat,open,creat,truncate,ftruncate,rename,renameat,renameat2,fsync,fdatasync', '-o', out, process.execPath, MDEVCTL_BIN, 'modify', '-u', U, '--auto'],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: h.root }, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const dir = join(h.root, 'etc/mdevctl.d/mtty');
    const file = join(dir, U);
    const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const all = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => !l.includes('ENOENT'))
      .map((l) => l.replace(/^\d+ +/, ''));
    // The definition dir is opened once; every later step goes through that fd (/proc/self/fd/N/…).
    const dirOpen = all.find((l) => new RegExp(`^openat\\(.*"${esc(dir)}", O_RDONLY.*O_DIRECTORY\\) = \\d+<`).test(l)) ?? '';
    const dfd = /\) = (\d+)</.exec(dirOpen)?.[1];
    assert.ok(dfd, `the dir is opened: ${all.join('\n')}`);
    const via = `/proc/self/fd/${dfd}`;
    // The temp file is staged in etc/ (outside the etc/mdevctl.d tree libvirt watches), through an fd of etc/ too.
    const etc = join(h.root, 'etc');
    const etcOpen = all.find((l) => new RegExp(`^openat\\(.*"${esc(etc)}", O_RDONLY.*O_DIRECTORY\\) = \\d+<`).test(l)) ?? '';
    const sfd = /\) = (\d+)</.exec(etcOpen)?.[1];
    assert.ok(sfd, `etc/ is opened: ${all.join('\n')}`);
    const stage = `/proc/self/fd/${sfd}`;
    const calls = all.filter((l) => l.includes(dir) || l.includes(via) || l.includes(stage) || l.includes(`${etc}/.mdevctl.d.`));
    const tempName = new RegExp(`"${esc(stage)}/(\\.mdevctl\\.d\\.${U}\\.\\d+\\.tmp)"`).exec(calls.find((l) => l.includes('.tmp')) ?? '')?.[1];
    assert.ok(tempName, `a temp file staged in etc/, through its fd: ${calls.join('\n')}`);
    const temp = `${etc}/${tempName}`;
    const at = (re: RegExp): number => {
      const i = calls.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `${re}: ${calls.join('\n')}`);
      return i;
    };
    const open = at(new RegExp(`^openat\\(.*"${esc(stage)}/${esc(tempName)}", O_WRONLY\\|O_CREAT\\|O_EXCL\\|O_NOFOLLOW.*= \\d+<${esc(temp)}>`));
    const syncFile = at(new RegExp(`^fsync\\(\\d+<${esc(temp)}>\\)`));
    const rename = at(new RegExp(`^rename(at2?)?\\(.*"${esc(stage)}/${esc(tempName)}".*"${esc(via)}/${U}".*= 0`));
    const syncDir = at(new RegExp(`^fsync\\(${dfd}<${esc(dir)}>\\) = 0`));
    assert.ok(open < syncFile && syncFile < rename && rename < syncDir, calls.join('\n'));
    assert.ok(
      !calls.some((l) => new RegExp(`"(${esc(file)}|${esc(via)}/${U})", O_(WRONLY|RDWR)`).test(l) || /truncate/.test(l)),
      'the old file is never opened for writing',
    );
    assert.deepEqual(leftovers(h.root), []);
  });
});

test('a reader holding the old definition still reads it whole after modify (a new file replaces it)', () => {
  withHost((h) => {
    run(h, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    const before = statSync(h.path(FILE)).ino;
    const fd = openSync(h.path(FILE), 'r');
    try {
      run(h, 'modify', '-u', U, '--addattr', 'a', '--value', 'x'.repeat(100));
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, 0);
      assert.equal(buf.subarray(0, n).toString(), config('mtty-1', 'manual'));
    } finally {
      closeSync(fd);
    }
    assert.notEqual(statSync(h.path(FILE)).ino, before, 'renamed into place, not rewritten');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['a', 'x'.repeat(100)]]));
  });
});

test('a write that fails (the name is taken by a dir) leaves no temp file and changes nothing', () => {
  withHost((h) => {
    run(h, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    mkdirSync(h.path(`etc/mdevctl.d/mtty/${U2}`));
    writeFileSync(h.path(`etc/mdevctl.d/mtty/${U2}/x`), '');
    fails(mdevctl(h.root, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2'), 1, /^Error: Failed to write config for device .*: Is a directory \(os error 21\)\n$/);
    assert.deepEqual(leftovers(h.root), []);
    assert.equal(h.read(FILE), config('mtty-1', 'manual'));
  });
});

/**
 * The inotify events a watcher of `dir` (libvirt watches etc/mdevctl.d and each dir below it)
 * sees while `act` runs: a sentinel file written afterwards marks the end of the queue (inotify
 * keeps one watch's events in order), so nothing waits on a timer.
 */
async function eventsIn(dir: string, act: () => void): Promise<string[]> {
  const seen: string[] = [];
  const watcher = watch(dir);
  try {
    const ended = new Promise<void>((resolve) => {
      watcher.on('change', (type, name) => {
        if (name === 'zz-sentinel') resolve();
        else seen.push(`${type} ${String(name)}`);
      });
    });
    act();
    writeFileSync(join(dir, 'zz-sentinel'), '');
    await ended;
  } finally {
    watcher.close();
  }
  return seen;
}

test('one stored change is one event in the watched tree: the temp file is staged outside etc/mdevctl.d', async () => {
  const h = simHost();
  try {
    run(h, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    const dir = h.path('etc/mdevctl.d/mtty');
    // modify (rename over the old file) and define (a new file): only the definition's own name, once.
    assert.deepEqual(await eventsIn(dir, () => run(h, 'modify', '-u', U, '--auto')), [`rename ${U}`]);
    assert.deepEqual(await eventsIn(dir, () => run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2')), [`rename ${U2}`]);
    assert.equal(h.read(FILE), config('mtty-1', 'auto'));
    assert.deepEqual(leftovers(h.root), []);
  } finally {
    h.cleanup();
  }
});

test('an etc/ others can write is not trusted with the temp file: it goes beside the definition', async () => {
  const h = simHost();
  try {
    run(h, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    chmodSync(h.path('etc'), 0o777);
    const events = await eventsIn(h.path('etc/mdevctl.d/mtty'), () => run(h, 'modify', '-u', U, '--auto'));
    assert.ok(events.some((e) => /^rename \..*\.tmp$/.test(e)), events.join('\n'));
    assert.equal(h.read(FILE), config('mtty-1', 'auto'));
    assert.deepEqual(leftovers(h.root), []);
  } finally {
    h.cleanup();
  }
});
