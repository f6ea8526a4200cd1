// A cross-process lock file (holder pid inside), for core (its mutating commands on the
// definitions dir) and for backends that serialise their own operations. Taken with link(2) so the pid is there
// the moment the lock exists; a lock whose holder is dead is broken under a second, short
// "breaker" lock. Waits are Atomics.wait pauses (a CLI has nothing else to do meanwhile), growing
// from 1 ms to about 64 ms so that many waiters do not keep the CPU busy, bounded by a deadline
// (0: one try); `onWait` hears once that the lock is held by another. A held lock is only looked
// at (one stat), never tried with a link, while it is there.

import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

const DEFAULT_DEADLINE_MS = 30_000;
const STALE_EMPTY_MS = 2_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/** 1, 2, 4 … 64 ms, each between half and all of that (jitter spreads the waiters). */
function backoffMs(attempt: number): number {
  const cap = 2 ** Math.min(attempt, 6);
  return Math.max(1, Math.round(cap * (0.5 + Math.random() / 2)));
}

function holderPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
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

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** True when the lock file exists but nobody can be holding it any more. */
function stale(path: string): boolean {
  const pid = holderPid(path);
  if (pid === undefined) return ageMs(path) > STALE_EMPTY_MS;
  return !alive(pid);
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

  private tryLink(target: string): boolean {
    const tmp = join(this.dir, `.lock.${process.pid}.${Math.random().toString(36).slice(2)}`);
    writeFileSync(tmp, `${process.pid}\n`);
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
    for (let attempt = 0; ; attempt++) {
      if (!existsSync(this.lockPath) && this.tryLink(this.lockPath)) return;
      if (stale(this.lockPath)) {
        this.breakStale();
        continue;
      }
      if (Date.now() >= deadline) {
        throw this.busy(holderPid(this.lockPath), Date.now() - started);
      }
      if (!told) {
        told = true;
        this.onWait?.(holderPid(this.lockPath));
      }
      sleep(backoffMs(attempt));
    }
  }

  /** Removes a stale lock, unless someone else is already doing so or it changed hands. */
  private breakStale(): void {
    if (!this.tryLink(this.breakPath)) {
      if (stale(this.breakPath)) rmQuiet(this.breakPath);
      else sleep(1);
      return;
    }
    try {
      if (stale(this.lockPath)) rmQuiet(this.lockPath);
    } finally {
      rmQuiet(this.breakPath);
    }
  }

  private release(): void {
    if (holderPid(this.lockPath) === process.pid) rmQuiet(this.lockPath);
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
}
