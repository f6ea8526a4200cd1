// Atomic definition writes (issue 6, SPEC §5): a definition is written to a temp file in the same
// dir (created O_EXCL|O_NOFOLLOW), fsynced, renamed over the old one, and the dir fsynced; the old
// file is never opened for writing, so a reader holding it sees it whole. A failed write leaves
// no temp file and the old definition as it was. The syscall order is read with strace (the test
// says so and skips where strace is missing).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MDEVCTL_BIN } from '../helpers/cli.js';
import { config, fails, run, withHost } from '../helpers/expect.js';
import { mdevctl } from '../helpers/cli.js';
import { leftovers } from '../helpers/reliability.js';

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
    const calls = all.filter((l) => l.includes(dir) || l.includes(via));
    const tempName = new RegExp(`"${esc(via)}/(\\.${U}\\.\\d+\\.tmp)"`).exec(calls.find((l) => l.includes('.tmp')) ?? '')?.[1];
    assert.ok(tempName, `a temp file in the same dir, through its fd: ${calls.join('\n')}`);
    const temp = `${dir}/${tempName}`;
    const at = (re: RegExp): number => {
      const i = calls.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `${re}: ${calls.join('\n')}`);
      return i;
    };
    const open = at(new RegExp(`^openat\\(.*"${esc(via)}/${esc(tempName)}", O_WRONLY\\|O_CREAT\\|O_EXCL\\|O_NOFOLLOW.*= \\d+<${esc(temp)}>`));
    const syncFile = at(new RegExp(`^fsync\\(\\d+<${esc(temp)}>\\)`));
    const rename = at(new RegExp(`^rename(at2?)?\\(.*"${esc(via)}/${esc(tempName)}".*"${esc(via)}/${U}".*= 0`));
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
