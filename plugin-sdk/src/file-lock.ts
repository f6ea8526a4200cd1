// A cross-process lock file (holder pid inside), for core (its mutating commands on the
// definitions dir) and for backends that serialise their own operations. Taken with link(2) so the pid is there
// the moment the lock exists; a lock whose holder is dead is broken under a second, short
// "breaker" lock. Waits are Atomics.wait pauses (a CLI has nothing else to do meanwhile), growing
// from 1 ms to about 64 ms so that many waiters do not keep the CPU busy, bounded by a deadline
// (0: one try) that every path of the loop checks; `onWait` hears once that the lock is held by
// another. A held lock is only looked at (one bounded read), never tried with a link, while it is there.
// What is read from a lock file is never trusted further than "which pid holds it": it is opened
// without following links and without blocking, at most 32 bytes are read, and anything that is
// not a regular file holding one pid in the kernel's range (with `owner`: a file of that user,
// naming a process of that user) is garbage — stale at once, reported once by `onGarbage`.
// A breaker lock older than BREAK_STALE_MS is stale whatever it names (a break takes microseconds).

import { closeSync, constants, fstatSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from './write-all.js';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

const DEFAULT_DEADLINE_MS = 30_000;
const BREAK_STALE_MS = 2_000;
/** PID_MAX_LIMIT of 64-bit Linux: no pid is larger. */
const PID_MAX = 4_194_304;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const pause = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/** 1, 2, 4 … 64 ms, each between half and all of that (jitter spreads the waiters). */
function backoffMs(attempt: number): number {
  const cap = 2 ** Math.min(attempt, 6);
  return Math.max(1, Math.round(cap * (0.5 + Math.random() / 2)));
}

/** What a lock file says: nothing there, a holder, or garbage (why). */
export type LockState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'held'; readonly pid: number; readonly ageMs: number }
  | { readonly kind: 'garbage'; readonly why: string };

/** Reads a lock file: no links followed, no blocking, at most 32 bytes. */
export function readLock(path: string, owner?: number): LockState {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return { kind: 'absent' };
    if (hasCode(e, 'ELOOP')) return { kind: 'garbage', why: 'it is a symbolic link' };
    return { kind: 'garbage', why: `it cannot be read (${(e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'garbage', why: 'it is not a regular file' };
    if (owner !== undefined && st.uid !== owner) return { kind: 'garbage', why: `it is owned by uid ${st.uid}, not ${owner}` };
    const buf = Buffer.alloc(32);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('latin1');
    if (!/^[1-9][0-9]{0,6}\n?$/.test(text)) return { kind: 'garbage', why: `it does not hold one pid (${JSON.stringify(text.slice(0, 16))})` };
    const pid = Number(text.trim());
    if (pid > PID_MAX) return { kind: 'garbage', why: `pid ${pid} is out of range` };
    if (owner !== undefined) {
      const uid = processUid(pid);
      if (uid !== undefined && uid !== owner) return { kind: 'garbage', why: `pid ${pid} runs as uid ${uid}, so it cannot have written it` };
    }
    return { kind: 'held', pid, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    return { kind: 'garbage', why: `it cannot be read (${(e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

/** The effective uid of a running process (from /proc), undefined when unknown. */
function processUid(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return !hasCode(e, 'ESRCH');
  }
}

function isStale(state: LockState, maxAgeMs = Infinity): boolean {
  if (state.kind === 'garbage') return true;
  if (state.kind === 'absent') return false;
  return state.ageMs > maxAgeMs || !alive(state.pid);
}

function pidOf(state: LockState): number | undefined {
  return state.kind === 'held' ? state.pid : undefined;
}

export interface FileLockOptions {
  /** The user whose files and processes alone can hold the lock (mdevctl's own lock: the effective uid). */
  readonly owner?: number;
  /** Told (once per wait) that the lock file is garbage, which is then broken. */
  readonly onGarbage?: (path: string, why: string) => void;
}

/** Locks this process holds, by path, with their nesting depth. */
const held = new Map<string, number>();

export class FileLock {
  private readonly lockPath: string;
  private readonly breakPath: string;
  private readonly dir: string;

  /**
   * @param dir where the lock file lives (must exist)
   * @param name the lock file's name
   * @param busy the error to throw when the deadline passes, given the holder's pid
   */
  constructor(
    dir: string,
    name: string,
    private readonly busy: (holder: number | undefined, waitedMs: number) => Error,
    private readonly deadlineMs = DEFAULT_DEADLINE_MS,
    private readonly onWait?: (holder: number | undefined) => void,
    private readonly options: FileLockOptions = {},
  ) {
    this.dir = dir;
    this.lockPath = join(dir, name);
    this.breakPath = join(dir, `${name}.break`);
  }

  /** Runs the async `fn` holding the lock (re-entrant within this process). */
  async runAsync<T>(fn: () => Promise<T>): Promise<T> {
    const depth = held.get(this.lockPath) ?? 0;
    if (depth === 0) this.acquire();
    held.set(this.lockPath, depth + 1);
    try {
      return await fn();
    } finally {
      held.set(this.lockPath, depth);
      if (depth === 0) {
        held.delete(this.lockPath);
        this.release();
      }
    }
  }

  /** Runs `fn` holding the lock (re-entrant within this process). */
  run<T>(fn: () => T): T {
    const depth = held.get(this.lockPath) ?? 0;
    if (depth === 0) this.acquire();
    held.set(this.lockPath, depth + 1);
    try {
      return fn();
    } finally {
      held.set(this.lockPath, depth);
      if (depth === 0) {
        held.delete(this.lockPath);
        this.release();
      }
    }
  }

  private state(path: string): LockState {
    return readLock(path, this.options.owner);
  }

  private tryLink(target: string): boolean {
    const tmp = join(this.dir, `.lock.${process.pid}.${Math.random().toString(36).slice(2)}`);
    let fd: number;
    try {
      fd = openSync(tmp, CREATE_FLAGS, 0o644);
    } catch (e) {
      throw namedError(`Unable to take the lock ${target}`, e);
    }
    try {
      writeAll(fd, `${process.pid}\n`);
    } catch (e) {
      closeSync(fd);
      rmQuiet(tmp);
      // ENOSPC names no file by itself: say which file system is full.
      throw namedError(`Unable to take the lock ${target}`, e);
    }
    closeSync(fd);
    try {
      linkSync(tmp, target);
      return true;
    } catch (e) {
      if (hasCode(e, 'EEXIST')) return false;
      throw e;
    } finally {
      unlinkSync(tmp);
    }
  }

  private acquire(): void {
    mkdirSync(this.dir, { recursive: true });
    const started = Date.now();
    const deadline = started + this.deadlineMs;
    let told = false;
    let warned = false;
    let freeRetries = 3; // after breaking a stale lock, a retry even at the deadline (MDEVCTL_LOCK_WAIT=0)
    for (let attempt = 0; ; attempt++) {
      let state = this.state(this.lockPath);
      if (state.kind === 'absent') {
        if (this.tryLink(this.lockPath)) return;
        state = this.state(this.lockPath);
      }
      if (isStale(state)) {
        if (state.kind === 'garbage' && !warned) {
          warned = true;
          this.options.onGarbage?.(this.lockPath, state.why);
        }
        if (this.breakStale() && freeRetries-- > 0) continue;
      }
      if (Date.now() >= deadline) throw this.busy(pidOf(state), Date.now() - started);
      if (!told && state.kind === 'held') {
        told = true;
        this.onWait?.(state.pid);
      }
      sleep(Math.max(1, Math.min(backoffMs(attempt), deadline - Date.now())));
    }
  }

  /**
   * Removes a stale lock, unless someone else is already doing so or it changed hands; true
   * when the lock is gone now (a retry may win it).
   */
  private breakStale(): boolean {
    if (!this.tryLink(this.breakPath)) {
      if (isStale(this.state(this.breakPath), BREAK_STALE_MS)) discard(this.breakPath);
      return false;
    }
    try {
      if (isStale(this.state(this.lockPath))) discard(this.lockPath);
      return this.state(this.lockPath).kind === 'absent';
    } finally {
      rmQuiet(this.breakPath);
    }
  }

  private release(): void {
    if (pidOf(this.state(this.lockPath)) === process.pid) rmQuiet(this.lockPath);
  }
}

/** Removes what is at path, whatever it is: a file or link, an empty dir; anything else is renamed aside. */
export function discard(path: string): void {
  try {
    unlinkSync(path);
    return;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return;
    if (!hasCode(e, 'EISDIR') && !hasCode(e, 'EPERM')) throw e;
  }
  try {
    rmdirSync(path);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return;
    renameSync(path, `${path}.unusable.${process.pid}.${Date.now()}`);
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
}

/** `e` (an fs error) as one line saying what failed; its errno code kept. */
function namedError(what: string, e: unknown): Error {
  const err: NodeJS.ErrnoException = new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined) err.code = code;
  return err;
}
