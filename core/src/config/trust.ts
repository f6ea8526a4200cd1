// What root loads as code or settings must be root's: a configuration file or external plugin
// module that a non-root user owns or can write — or that sits in a dir such a user can write,
// so could swap it — is refused when mdevctl runs as root, with one line naming it, unless
// MDEVCTL_ALLOW_UNSAFE_FILES=1 (core/CONFIGURATION.md). Checked: the file as named and as
// resolved, and every dir above each; a world-writable dir counts only without its sticky bit
// (as /tmp: others cannot replace root's entries there). A plugin's own imports are not followed.

import { lstatSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MdevctlError } from '../model/errors.js';
import { effectiveUid } from '../host/run-dir.js';

export const ALLOW_UNSAFE_ENV = 'MDEVCTL_ALLOW_UNSAFE_FILES';

/** Why a non-root user could change `path` (one node, not followed); undefined when none can. */
function nodeProblem(path: string): string | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return undefined; // gone: reading it fails and says so
  }
  if (st.uid !== 0) return `${path} is owned by uid ${st.uid}, not root`;
  if (st.isSymbolicLink()) return undefined; // its target is checked on its own
  if (!st.isFile() && !st.isDirectory()) return undefined; // a device such as /dev/null
  const others = (st.mode & 0o002) !== 0 && !(st.isDirectory() && (st.mode & 0o1000) !== 0);
  const group = (st.mode & 0o020) !== 0 && st.gid !== 0;
  if (others || group) return `${path} is writable by ${others ? 'every user' : `group ${st.gid}`}`;
  return undefined;
}

function chainProblem(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    const problem = nodeProblem(p);
    if (problem !== undefined) return problem;
    if (dirname(p) === p) return undefined;
  }
}

/** Throws one line when running as root and `file` (a `what`) could have been written by another user. */
export function assertTrusted(file: string, what: string, env: NodeJS.ProcessEnv): void {
  if (effectiveUid() !== 0 || env[ALLOW_UNSAFE_ENV] === '1') return;
  let real = file;
  try {
    real = realpathSync.native(file);
  } catch {
    /* absent: reading it reports that */
  }
  const problem = chainProblem(file) ?? (real !== resolve(file) ? chainProblem(real) : undefined);
  if (problem !== undefined) {
    throw new MdevctlError(`Refusing to load the ${what} ${file} as root: ${problem} (${ALLOW_UNSAFE_ENV}=1 allows it)`);
  }
}
