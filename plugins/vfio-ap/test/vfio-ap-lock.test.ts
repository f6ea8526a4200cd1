// The s390apconfig lock taken the way s390-tools' util_lockfile does: pid + newline, link(2),
// stale when the pid is gone or no pid was written for 120 s, ours when it holds our pid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { AP_LOCK_FILE, ApConfigLock, LockBusyError } from '@mdevctl/plugin-vfio-ap';

function withRoot(fn: (root: string, lockPath: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ap-lock-'));
  return fn(root, join(root, AP_LOCK_FILE)).finally(() => rmSync(root, { recursive: true, force: true }));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.equal(typeof r.pid, 'number');
  return r.pid;
}

test('acquire writes our pid and a newline; release removes it and leaves no temp file', () =>
  withRoot(async (root, path) => {
    const lock = new ApConfigLock(root);
    assert.equal(await lock.acquire({ waitMs: 0 }), true);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
    assert.deepEqual(readdirSync(join(root, 'run/lock')), ['s390apconfig.lock']);
    assert.equal(lock.release(), true);
    assert.equal(existsSync(path), false);
    assert.equal(lock.release(), false, 'a second release finds nothing');
  }));

test("a lock holding our pid (ap-check took it in mdevctl's name) is ours", () =>
  withRoot(async (root, path) => {
    mkdirSync(join(root, 'run/lock'), { recursive: true });
    writeFileSync(path, `${process.pid}\n`);
    assert.equal(await new ApConfigLock(root).acquire({ waitMs: 0 }), false);
    assert.equal(new ApConfigLock(root).release(), true);
  }));

test('a stale lock is taken over: a dead pid at once; no pid only after 120 s', () =>
  withRoot(async (root, path) => {
    mkdirSync(join(root, 'run/lock'), { recursive: true });
    writeFileSync(path, `${deadPid()}\n`);
    assert.equal(await new ApConfigLock(root).acquire({ waitMs: 0 }), true);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
    new ApConfigLock(root).release();

    writeFileSync(path, '');
    await assert.rejects(new ApConfigLock(root).acquire({ waitMs: 0 }), LockBusyError, 'a fresh empty lock may be one being written');
    const old = (Date.now() - 121_000) / 1000;
    utimesSync(path, old, old);
    assert.equal(await new ApConfigLock(root).acquire({ waitMs: 0 }), true);
    new ApConfigLock(root).release();
  }));

test('a lock of another live process: busy at once with waitMs 0; taken once that process is gone', () =>
  withRoot(async (root, path) => {
    const holder = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await once(holder, 'spawn');
    mkdirSync(join(root, 'run/lock'), { recursive: true });
    writeFileSync(path, `${holder.pid}\n`);
    try {
      const busy = await new ApConfigLock(root).acquire({ waitMs: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(busy instanceof LockBusyError);
      assert.equal(busy.message, `The AP configuration lock ${path} is held by process ${holder.pid} (s390-tools' chzdev or ap-check, or another mdevctl); try again when it is done`);
      assert.equal(new ApConfigLock(root).release(), false, 'never removes another holder');
      assert.equal(readFileSync(path, 'utf8'), `${holder.pid}\n`);
      let waited: number | undefined;
      const taking = new ApConfigLock(root).acquire({
        waitMs: 600_000,
        onWait: (pid) => {
          waited = pid;
          holder.stdin.end(); // the holder exits: its lock is stale from then on
        },
      });
      assert.equal(await taking, true);
      assert.equal(waited, holder.pid);
      new ApConfigLock(root).release();
    } finally {
      holder.kill();
    }
  }));

/** Runs `body` (an async function of the ApConfigLock class and the root) in a child with a hard timeout. */
function inChild(root: string, body: string): { status: number | null; stdout: string; stderr: string } {
  const mod = fileURLToPath(import.meta.resolve('@mdevctl/plugin-vfio-ap'));
  const script = `import { ApConfigLock } from ${JSON.stringify(mod)}; const root = ${JSON.stringify(root)}; ${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('run/lock is world-writable: a fifo, a dir or a dangling link planted as the lock is no lock (no hang), and is cleared', () =>
  withRoot(async (root, path) => {
    mkdirSync(join(root, 'run/lock'), { recursive: true });
    for (const plant of [() => spawnSync('mkfifo', [path]), () => symlinkSync('/nonexistent', path)]) {
      plant();
      const r = inChild(root, `const l = new ApConfigLock(root); console.log(await l.acquire({ waitMs: 0 })); l.release();`);
      assert.deepEqual(r, { status: 0, stdout: 'true\n', stderr: '' });
      assert.equal(existsSync(path), false);
    }
  }));

test("a lock naming our pid but owned by another user is not ours: what is planted there steers nothing", { skip: process.geteuid?.() === 0 ? false : 'needs root' }, () =>
  withRoot(async (root, path) => {
    mkdirSync(join(root, 'run/lock'), { recursive: true });
    const r = inChild(root, `import('node:fs').then(({ writeFileSync, chownSync }) => { writeFileSync(${JSON.stringify(path)}, process.pid + '\\n'); chownSync(${JSON.stringify(path)}, 65534, 65534); console.log(new ApConfigLock(root).isOurs()); });`);
    assert.deepEqual(r, { status: 0, stdout: 'false\n', stderr: '' });
  }));
