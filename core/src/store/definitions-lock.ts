// The lock every mutating command holds on the definitions (SPEC §5); reading commands take
// none. It lives in ROOT/run/mdevctl (host/run-dir.ts: only this user can write there; a tmpfs
// on real hosts, so a lock left by a power loss cannot outlive the boot, where a recycled pid
// could make it look held). A dead holder's lock, or one that is garbage, is broken
// (the SDK's FileLock), the garbage with one warning. A contended lock is waited for up to MDEVCTL_LOCK_WAIT seconds (default
// 120; 0 fails at once), then the command fails naming the holder.

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

/** The lock, once its dir is there and safe (else one line: host/run-dir.ts). */
export function definitionsLock(paths: HostPaths, log: Logger, env: NodeJS.ProcessEnv): FileLock {
  const waitS = lockWaitSeconds(env);
  const dir = ensureRunDir(paths.root);
  const file = join(dir, LOCK_FILE);
  return new FileLock(
    dir,
    LOCK_FILE,
    (pid, ms) =>
      new MdevctlError(
        `Another mdevctl command${pid !== undefined ? ` (pid ${pid})` : ''} holds ${file}; gave up after ${waitS === 0 ? `0s (${LOCK_WAIT_ENV}=0)` : `${Math.round(ms / 1000)}s`}`,
      ),
    waitS * 1000,
    (pid) => log.debug(`Waiting up to ${waitS}s for ${file}, held by pid ${pid ?? '?'}`),
    { owner: effectiveUid(), onGarbage: (path, why) => log.warn(`Breaking the unusable lock ${path}: ${why}`) },
  );
}
