// Where mdevctl's state lives in this deployment, and whether it is the host's: the definitions
// (ROOT/etc/mdevctl.d) and the run dir (ROOT/run/mdevctl: the definitions lock and the
// crash-recovery record). In a container that shares the host's definitions but not its run dir,
// the pod and the host's udev and libvirt runs of mdevctl change the same definitions under two
// different locks, and a pod killed half-way is never rolled back: `mdevctl doctor` reports it as
// an error, and every mutating command warns about it.
//
// A container is recognised by what runtimes leave (ROOT/.dockerenv, ROOT/run/.containerenv, the
// `container` variable of systemd's container interface, KUBERNETES_SERVICE_HOST). Whether a
// directory comes from outside the container is read from this process's mount table
// (/proc/self/mountinfo, the real one: mounts are not under the root): a directory on the same
// mount as ROOT itself is the container's own; a bind mount of a directory of another file system
// (mountinfo's root field is not "/") comes from outside, as a hostPath or `-v` does; a whole file
// system mounted there (a tmpfs at /run) cannot be told apart from the runtime's own.

import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { HostPaths } from './paths.js';
import { effectiveUid, RUN_DIR, runDirPath } from './run-dir.js';

/** One line of mountinfo: where the mount is and which part of its file system it shows. */
export interface MountEntry {
  readonly mountPoint: string;
  /** The directory of the mounted file system shown there ("/" for the whole file system). */
  readonly root: string;
  readonly fsType: string;
}

/** mountinfo's escapes (\040 for a space, …) undone. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** The entries of a mountinfo text, in order (a later mount on the same point hides an earlier one). */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    const f = (left ?? '').split(' ');
    if (f.length < 5 || right === undefined) continue;
    out.push({ root: unescapeMount(f[3] ?? ''), mountPoint: unescapeMount(f[4] ?? ''), fsType: right.split(' ')[0] ?? '' });
  }
  return out;
}

/** The mount a path lives on: the last entry whose mount point is the path or one of its ancestors. */
export function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}${sep}`);
    if (inside && (best === undefined || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** The real path of `path`, or of its nearest existing ancestor (joined with the rest). */
function realish(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const up = dirname(path);
    return up === path ? path : join(realish(up), path.slice(up.length));
  }
}

export type Origin =
  /** On the same mount as the root: the container's (or image's) own. */
  | 'own'
  /** A bind mount of a directory of another file system: from outside (the host). */
  | 'bind'
  /** A whole file system mounted there: the runtime's own or the host's, cannot tell. */
  | 'mount';

export interface PlaceOrigin {
  readonly origin: Origin;
  readonly mount?: MountEntry | undefined;
}

/** Where `dir` (under `root`) comes from, after the mount table. */
export function originOf(mounts: readonly MountEntry[], root: string, dir: string): PlaceOrigin {
  const mount = mountOf(mounts, realish(dir));
  const rootMount = mountOf(mounts, realish(root));
  if (mount === undefined || mount === rootMount) return { origin: 'own', mount };
  return { origin: mount.root !== '/' ? 'bind' : 'mount', mount };
}

/** What says this process runs in a container, or undefined when nothing does. */
export function containerMarker(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const container = env['container']?.trim();
  if (container) return `container=${container}`;
  if (env['KUBERNETES_SERVICE_HOST']) return 'KUBERNETES_SERVICE_HOST';
  for (const file of ['.dockerenv', 'run/.containerenv']) {
    try {
      lstatSync(join(root, file));
      return join(root, file);
    } catch {
      // not there
    }
  }
  return undefined;
}

function readMounts(): MountEntry[] | undefined {
  try {
    return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return undefined;
  }
}

export interface DeploymentCheck {
  readonly status: 'ok' | 'warning' | 'error';
  readonly check: string;
  readonly detail: string;
}

/**
 * The container check: in a container that shares the host's definitions (a bind mount), the run
 * dir must come from outside too. Undefined outside a container.
 */
export function containerCheck(paths: HostPaths, env: NodeJS.ProcessEnv, mounts = readMounts()): DeploymentCheck | undefined {
  const marker = containerMarker(paths.root, env);
  if (marker === undefined) return undefined;
  const run = runDirPath(paths.root);
  const at = (why: string) => `in a container (${marker}): ${why}`;
  if (mounts === undefined) {
    return { status: 'warning', check: 'container', detail: at('/proc/self/mountinfo cannot be read, so where run/mdevctl comes from is unknown') };
  }
  const defs = originOf(mounts, paths.root, paths.configBase);
  const runs = originOf(mounts, paths.root, run);
  if (runs.origin === 'bind') {
    return { status: 'ok', check: 'container', detail: at(`${run} is mounted from outside (${runs.mount?.root ?? '?'}): the host's lock and crash-recovery record are shared`) };
  }
  if (runs.origin === 'mount') {
    return {
      status: 'warning',
      check: 'container',
      detail: at(
        `${run} lies on a ${runs.mount?.fsType ?? '?'} file system mounted at ${runs.mount?.mountPoint ?? '?'}; unless that is the host's /run, mount the host's /run/mdevctl there`,
      ),
    };
  }
  if (defs.origin === 'own') {
    return {
      status: 'warning',
      check: 'container',
      detail: at(`neither ${paths.configBase} nor ${run} comes from the host: what this mdevctl defines, the host's mdevctl does not see`),
    };
  }
  return { status: 'error', check: 'container', detail: at(isolatedRunDir(paths)) };
}

/** What is wrong when the definitions are the host's and the run dir is the container's own. */
function isolatedRunDir(paths: HostPaths): string {
  return (
    `${paths.configBase} is mounted from the host but ${runDirPath(paths.root)} is this container's own: ` +
    "the host's mdevctl (udev, libvirt) and this one change the same definitions under two locks, and a run killed half-way " +
    `here is never rolled back; mount the host's /${RUN_DIR} at /${RUN_DIR}`
  );
}

/** The warning of a mutating command when the container check is an error; undefined otherwise. */
export function isolatedRunDirWarning(paths: HostPaths, env: NodeJS.ProcessEnv): string | undefined {
  if (containerMarker(paths.root, env) === undefined) return undefined;
  const check = containerCheck(paths, env);
  return check?.status === 'error' ? `${check.detail} (mdevctl doctor)` : undefined;
}

/** The checks of `mdevctl doctor`, in order. */
export function deploymentChecks(paths: HostPaths, env: NodeJS.ProcessEnv): DeploymentCheck[] {
  return [definitionsCheck(paths), runDirCheck(paths), containerCheck(paths, env) ?? { status: 'ok', check: 'container', detail: 'not in a container (no container marker)' }];
}

function definitionsCheck(paths: HostPaths): DeploymentCheck {
  const dir = paths.configBase;
  try {
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) return { status: 'warning', check: 'definitions', detail: `${dir} is a symbolic link to ${realish(dir)}` };
    if (!st.isDirectory()) return { status: 'error', check: 'definitions', detail: `${dir} is not a directory` };
    return { status: 'ok', check: 'definitions', detail: `${dir} is a directory` };
  } catch {
    return { status: 'ok', check: 'definitions', detail: `${dir} does not exist yet (made by the first define)` };
  }
}

function runDirCheck(paths: HostPaths): DeploymentCheck {
  const dir = runDirPath(paths.root);
  const uid = effectiveUid();
  try {
    const st = lstatSync(dir);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    if (st.isSymbolicLink() || !st.isDirectory()) {
      return { status: 'error', check: 'run-dir', detail: `${dir} is not a directory; mutating commands refuse it (remove it as root)` };
    }
    if (st.uid !== uid || (st.mode & 0o077) !== 0) {
      return { status: 'error', check: 'run-dir', detail: `${dir} is owned by uid ${st.uid} with mode ${mode} (needs uid ${uid}, 0700); mutating commands refuse it` };
    }
    return { status: 'ok', check: 'run-dir', detail: `${dir} holds the definitions lock and the crash-recovery record (uid ${st.uid}, mode ${mode})` };
  } catch {
    return { status: 'ok', check: 'run-dir', detail: `${dir} does not exist yet (made by the first mutating command)` };
  }
}
