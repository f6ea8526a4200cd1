// mdevctl's own run-time dir, ROOT/run/mdevctl: the definitions lock and the crash-recovery
// record live there, not in the world-writable run/lock (drwxrwxrwt on Debian and Ubuntu), so
// nothing another user can write is ever read back as our lock or record. It is created 0700
// by the first mutating command and is used only when it is a real directory (not a link),
// owned by this effective user, open to nobody else, in a run dir that others cannot rename
// entries of (not writable by others, or sticky); otherwise the command stops with one line.
// run/ is a tmpfs on real hosts, so neither the lock nor the record outlives a boot.

import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { MdevctlError, describeOsError } from '../model/errors.js';

export const RUN_DIR = 'run/mdevctl';

/** ROOT/run/mdevctl (not checked, not created). */
export function runDirPath(root: string): string {
  return join(root, RUN_DIR);
}

export function effectiveUid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : 0;
}

/** Why `st` (lstat of the run dir) must not be trusted; undefined when it is fine. */
function dirProblem(st: Stats, uid: number): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  if ((st.mode & 0o077) !== 0) return `has mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, not 0700`;
  return undefined;
}

function parentProblem(st: Stats, uid: number): string | undefined {
  if (st.uid !== uid && st.uid !== 0) return `is owned by uid ${st.uid}`;
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0) return 'is writable by every user and not sticky';
  return undefined;
}

/** Makes sure ROOT/run/mdevctl exists and only this user can write it; throws one line otherwise. */
export function ensureRunDir(root: string): string {
  const dir = runDirPath(root);
  const uid = effectiveUid();
  const refuse = (what: string, why: string) =>
    new MdevctlError(`Refusing to use ${what}: it ${why}; mdevctl keeps its lock and recovery record there (remove or fix it as root)`);
  try {
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    const up = lstatSync(dirname(dir));
    const upProblem = parentProblem(up, uid);
    if (upProblem !== undefined) throw refuse(dirname(dir), upProblem);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const problem = dirProblem(lstatSync(dir), uid);
    if (problem !== undefined) throw refuse(dir, problem);
  } catch (err) {
    if (err instanceof MdevctlError) throw err;
    throw new MdevctlError(`Unable to create ${dir}: ${describeOsError(err)}`, { cause: err });
  }
  return dir;
}
