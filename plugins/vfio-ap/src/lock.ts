// s390-tools' AP configuration lock, /run/lock/s390apconfig.lock (under the environment root),
// taken the way libutil's util_lockfile does it, so chzdev, ap-check and we exclude each other:
// the holder's pid and a newline are written to a temp file that is then hard-linked to the lock
// path (link(2) fails with EEXIST while someone holds it). A lock is stale, and removed, when its
// pid no longer exists (kill(pid, 0) gives ESRCH), or when it holds no pid and is older than 120 s.
// ap-check, as an mdevctl call-out, takes the lock in the name of its parent — this mdevctl — so a
// lock that already holds our own pid is ours. Release removes it only if it still holds our pid.
// run/lock is world-writable on Debian and Ubuntu, so what is read from the lock steers nothing
// but the wait: it is opened without following links or blocking (a planted link, fifo or huge
// file is no lock), at most 64 bytes are read, and it is "ours" only when it is a regular file
// of our own user. A lock is only waited for when s390-tools could have written it: a regular
// file owned by root (s390-tools runs as root) or by the user running mdevctl (the same user when
// mdevctl runs as root, as it does; the tests' user otherwise). Anything else — a user's file
// holding some live pid — is no lock: it is removed and replaced, and the caller told once.

import { closeSync, constants, fstatSync, linkSync, mkdirSync, openSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Relative to the environment root. */
export const AP_LOCK_FILE = 'run/lock/s390apconfig.lock';
/** util_lockfile's WAITPID: a lock file still without a pid after this long is stale. */
export const NO_PID_STALE_MS = 120_000;

const POLL_FIRST_MS = 20;
const POLL_MAX_MS = 500;

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The pid in a lock file: its leading decimal number (0 when none, as atoi); undefined if
 * unreadable. `ownOnly`: only a regular file of our effective user counts (else undefined).
 */
export function lockHolder(path: string, ownOnly = false): number | undefined {
  const lock = readLock(path);
  if (lock === undefined) return undefined;
  if (ownOnly && lock.uid !== effectiveUid()) return undefined;
  return lock.pid;
}

/** This process's effective uid (undefined where there is none: not on Linux). */
function effectiveUid(): number | undefined {
  return typeof process.geteuid === 'function' ? process.geteuid() : undefined;
}

/** Whether s390-tools (run by root) or this mdevctl's user could have written a file of `uid`. */
export function trustedLockOwner(uid: number): boolean {
  const euid = effectiveUid();
  return euid === undefined || uid === 0 || uid === euid;
}

/** A regular lock file's pid (as lockHolder) and owner; undefined when it is none or unreadable. */
function readLock(path: string): { pid: number; uid: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const m = /^\s*(\d+)/.exec(buf.subarray(0, n).toString('latin1'));
    return { pid: m ? Number.parseInt(m[1] ?? '0', 10) : 0, uid: st.uid };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** kill(pid, 0): only ESRCH means gone (EPERM: it exists, we may not signal it). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoOf(e) !== 'ESRCH';
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw e;
  }
}

/**
 * Removes the lock if it is stale or no lock of s390-tools (`onForeign` is told its owner first);
 * true when it is gone (or was already), so a retry may win now.
 */
function clearIfStale(path: string, now: number, onForeign: (uid: number) => void): boolean {
  const lock = readLock(path);
  if (lock !== undefined && !trustedLockOwner(lock.uid)) {
    onForeign(lock.uid);
    try {
      unlinkQuiet(path);
    } catch {
      return false;
    }
    return true;
  }
  const pid = lock?.pid;
  if (pid === undefined) {
    // Not a regular file (a link, fifo, dir) or unreadable: no lock of any tool; removed if it can be.
    try {
      unlinkQuiet(path);
    } catch {
      return false;
    }
    return true;
  }
  if (pid > 0) {
    if (pidExists(pid)) return false;
    unlinkQuiet(path);
    return true;
  }
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return true;
  }
  if (now - mtime <= NO_PID_STALE_MS) return false;
  unlinkQuiet(path);
  return true;
}

/** Locks held by this process (their paths): released at exit at the latest. */
const heldByUs = new Set<string>();
let exitHook = false;

function releaseAllAtExit(): void {
  for (const path of heldByUs) if (lockHolder(path, true) === process.pid) unlinkQuiet(path);
  heldByUs.clear();
}

export interface AcquireOptions {
  /** How long to wait for another holder (0: fail at once). */
  readonly waitMs: number;
  /** Told once, when the lock is found held by another live process and we start waiting. */
  readonly onWait?: (holder: number | undefined) => void;
  /**
   * Told once, when a lock file that s390-tools could not have written (a regular file of
   * another user than root and ours: `uid`) is found; it is removed and replaced.
   */
  readonly onForeign?: (path: string, uid: number) => void;
}

export class LockBusyError extends Error {
  constructor(
    readonly path: string,
    readonly holder: number | undefined,
  ) {
    super(
      `The AP configuration lock ${path} is held by process ${holder ?? '?'} (s390-tools' chzdev or ap-check, ` +
        'or another mdevctl); try again when it is done',
    );
  }
}

export class ApConfigLock {
  readonly path: string;

  constructor(root: string) {
    this.path = join(root, AP_LOCK_FILE);
  }

  /** Whether the lock now holds this process's pid (taken by us or by ap-check in our name). */
  isOurs(): boolean {
    return lockHolder(this.path, true) === process.pid;
  }

  /** Takes the lock for this process; resolves to whether we created it (false: it was ours already). */
  async acquire(options: AcquireOptions): Promise<boolean> {
    const deadline = Date.now() + options.waitMs;
    let pause = POLL_FIRST_MS;
    let told = false;
    let toldForeign = false;
    const onForeign = (uid: number) => {
      if (!toldForeign) options.onForeign?.(this.path, uid);
      toldForeign = true;
    };
    let freeRetries = 3;
    mkdirSync(dirname(this.path), { recursive: true });
    for (;;) {
      if (this.tryLink()) {
        this.remember();
        return true;
      }
      if (this.isOurs()) {
        this.remember();
        return false;
      }
      // A stale lock cleared: retry at once, a few times (a lock re-planted as fast ends at the deadline).
      if (clearIfStale(this.path, Date.now(), onForeign) && freeRetries-- > 0) continue;
      const holder = lockHolder(this.path);
      if (Date.now() >= deadline) throw new LockBusyError(this.path, holder);
      if (!told) {
        told = true;
        options.onWait?.(holder);
      }
      await delay(Math.min(pause, Math.max(1, deadline - Date.now())));
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
  }

  /** Removes the lock if it holds our pid; true when it did. */
  release(): boolean {
    heldByUs.delete(this.path);
    if (!this.isOurs()) return false;
    unlinkQuiet(this.path);
    return true;
  }

  private remember(): void {
    heldByUs.add(this.path);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', releaseAllAtExit);
    }
  }

  /** util_lockfile's way: the pid in a temp file, then link(2) to the lock path. */
  private tryLink(): boolean {
    const tmp = `${this.path}${String(process.pid).padStart(5, '0')}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, this.path);
      return true;
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') return false;
      throw e;
    } finally {
      unlinkQuiet(tmp);
    }
  }
}
