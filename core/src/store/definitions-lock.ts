// The lock every mutating command holds on the definitions (SPEC §5); reading commands take
// none. It lives in ROOT/run/mdevctl (host/run-dir.ts: only this user can write there; a tmpfs
// on real hosts, so a lock left by a power loss cannot outlive the boot, where a recycled pid
// could make it look held). A dead holder's lock, or one that is garbage, is broken
// (the SDK's FileLock), the garbage with one warning. A contended lock is waited for up to MDEVCTL_LOCK_WAIT seconds (default
// 120; 0 fails at once), then the command fails naming the holder.
// A wait longer than a second says once on stderr what it waits for (the holder's pid and command).

import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FileLock, type Logger } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { RUN_DIR, effectiveUid, ensureRunDir, runDirPath } from '../host/run-dir.js';
import { MdevctlError } from '../model/errors.js';

/** The lock's dir under ROOT (the man page's FILES names it from here). */
export const LOCK_DIR = RUN_DIR;
export const LOCK_FILE = 'mdevctl.lock';
export const LOCK_WAIT_ENV = 'MDEVCTL_LOCK_WAIT';
const DEFAULT_WAIT_S = 120;

/** ROOT/run/mdevctl: the lock and the intent record of crash recovery (not created here). */
export function lockDir(paths: HostPaths): string {
  return runDirPath(paths.root);
}

/** Seconds to wait from MDEVCTL_LOCK_WAIT (unset or empty: the default); throws on anything but a number >= 0. */
export function lockWaitSeconds(env: NodeJS.ProcessEnv): number {
  const text = env[LOCK_WAIT_ENV]?.trim() ?? '';
  if (text === '') return DEFAULT_WAIT_S;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    throw new MdevctlError(`${LOCK_WAIT_ENV} must be a number of seconds (0 or more), not ${JSON.stringify(text)}`);
  }
  return n;
}

/** What a mutating command holds while it runs. */
export interface DefinitionsLock {
  runAsync<T>(fn: () => Promise<T>): Promise<T>;
}

/** How long a wait goes unmentioned. */
const NOTICE_AFTER_MS = 1000;

/** Thrown by the first, one-second lock attempt: the wait goes on, after one notice. */
class StillWaiting extends Error {
  constructor(readonly holder: number | undefined) {
    super('still waiting');
  }
}

/** The lock, once its dir is there and safe (else one line: host/run-dir.ts). */
export function definitionsLock(paths: HostPaths, log: Logger, env: NodeJS.ProcessEnv): DefinitionsLock {
  const waitS = lockWaitSeconds(env);
  const dir = ensureRunDir(paths.root);
  const file = join(dir, LOCK_FILE);
  const options = { owner: effectiveUid(), onGarbage: (path: string, why: string) => log.warn(`Breaking the unusable lock ${path}: ${why}`) };
  const lock = (deadlineMs: number, waitedBefore: number) =>
    new FileLock(
      dir,
      LOCK_FILE,
      (pid, ms) =>
        new MdevctlError(
          `Another mdevctl command${pid !== undefined ? ` (pid ${pid})` : ''} holds ${file}; gave up after ${waitS === 0 ? `0s (${LOCK_WAIT_ENV}=0)` : `${Math.round((ms + waitedBefore) / 1000)}s`}`,
        ),
      deadlineMs,
      (pid) => log.debug(`Waiting up to ${waitS}s for ${file}, held by pid ${pid ?? '?'}`),
      options,
    );
  const total = waitS * 1000;
  if (total <= NOTICE_AFTER_MS) return lock(total, 0);
  // A first second without a word (the usual wait is milliseconds), then one notice and the rest.
  const first = new FileLock(dir, LOCK_FILE, (pid) => new StillWaiting(pid), NOTICE_AFTER_MS, undefined, options);
  const rest = lock(total - NOTICE_AFTER_MS, NOTICE_AFTER_MS);
  return {
    async runAsync<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return await first.runAsync(fn);
      } catch (err) {
        if (!(err instanceof StillWaiting)) throw err;
        const command = err.holder !== undefined ? commandOf(err.holder) : undefined;
        const holder = err.holder !== undefined ? `pid ${err.holder}${command !== undefined ? ` (${command})` : ''}` : 'another process';
        log.warn(`Waiting for ${file}, held by ${holder}; up to ${waitS}s (${LOCK_WAIT_ENV})`);
        return rest.runAsync(fn);
      }
    },
  };
}

/** A process's command line from /proc (the real one: pids are not under the root), bounded; undefined when unreadable. */
function commandOf(pid: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/cmdline`, 'r');
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const words = buf.subarray(0, n).toString('utf8').split('\0').filter((w) => w !== '');
    const text = words.join(' ').replace(/[\x00-\x1f\x7f]/g, '?');
    if (text === '') return undefined;
    return text.length > 240 || n === buf.length ? `${text.slice(0, 240)}…` : text;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
