// What root loads as code or settings must be root's: a configuration file or external plugin
// module that a non-root user owns or can write — or that sits in a dir such a user can write,
// so could swap it — is refused when mdevctl runs as root, with one line naming it, unless
// MDEVCTL_ALLOW_UNSAFE_FILES=1 (core/CONFIGURATION.md). Checked: the file as named and as
// resolved, and every dir above each; a world-writable dir counts only without its sticky bit
// (as /tmp: others cannot replace root's entries there). ACLs count: a group write bit is refused
// even for the group root, since under an ACL those bits are the mask of its named entries (no
// xattr call is needed). A plugin's own imports are not followed.

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
  // A sticky dir (/tmp): others may add entries, not replace root's.
  if (st.isDirectory() && (st.mode & 0o1000) !== 0) return undefined;
  if ((st.mode & 0o002) !== 0) return `${path} is writable by every user`;
  // With a POSIX ACL the group bits are the ACL's mask, the most any named user or group of the
  // ACL may do: a group write bit means such an entry may write, even with the group root.
  if ((st.mode & 0o020) !== 0) {
    return st.gid !== 0 ? `${path} is writable by group ${st.gid}` : `${path} is writable by group root or by the users and groups of its ACL (the group bits allow writing)`;
  }
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
