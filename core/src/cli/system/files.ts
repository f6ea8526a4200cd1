// What a working mdevctl installation has on the host (all under the environment root): the
// dirs of SPEC §1, the udev rule that starts a parent's `auto` devices when it registers, and
// the man pages and bash completion where man and bash-completion look for them.

import { chmodSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { writeAll } from '@mdevctl/plugin-sdk';
import { dirname, join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { errnoCode, isDir } from '../../host/fs.js';
import { MdevctlError, describeOsError } from '../../model/errors.js';
import { RootConfinement } from '../../store/confine.js';

export const UDEV_RULE_FILE = 'usr/lib/udev/rules.d/60-mdevctl.rules';
export const MAN_DIR = 'usr/share/man/man8';
export const BASH_COMPLETION_DIR = 'usr/share/bash-completion/completions';

/** Characters a command word may have inside the rule's `RUN+="/bin/sh -c '…'"`. */
const SAFE_WORD = /^[A-Za-z0-9_.,:+@/=-]+$/;

/** Why `command` cannot be put into the udev rule, or undefined when it can. */
export function ruleCommandProblem(command: string): string | undefined {
  const words = command.split(' ');
  if (command.trim() === '' || words.some((w) => w === '')) return 'it is empty or has extra spaces';
  const bad = words.find((w) => !SAFE_WORD.test(w));
  if (bad !== undefined) return `${JSON.stringify(bad)} has characters that would need quoting in a udev rule`;
  if (!words[0]?.startsWith('/')) return 'it must start with an absolute path';
  return undefined;
}

/**
 * upstream's 60-mdevctl.rules, with `mdevctl` being `command` (e.g. `/usr/bin/node
 * /usr/lib/node_modules/mdevctl/bin/mdevctl.js`): stdout and stderr of start-parent-mdevs go to
 * the system log (stderr at priority 2).
 */
export function udevRule(command: string): string {
  const run = `RUN+="/bin/sh -c '{ ${command} start-parent-mdevs %k 2>&3 | logger -t mdevctl; } 3>&1 1>&2 | logger -t mdevctl -p 2'"`;
  return [
    '# Installed by `mdevctl install-system-files`.',
    '',
    '# When registered with mdev, try to start any persistent devices. Note that',
    '# this uevent is not triggered on older kernels.',
    `ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="/etc/mdevctl.d/$kernel", ${run}`,
    '',
    "# For compatibility with kernels where mdev doesn't trigger the change uevent",
    '# on parent device registration, try to start mdevs when the device is added;',
    '# if the device is setup early this may still work.',
    '# Not for SR-IOV virtual functions (physfn): 61-mdevctl-vgpu.rules starts the vGPUs on those,',
    '# one process per physical GPU (an mdev parent VF still has the registered uevent above).',
    `ACTION=="add", TEST!="physfn", TEST=="/etc/mdevctl.d/$kernel", ${run}`,
    '',
  ].join('\n');
}

export type InstallItem =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string; readonly content: string };

export type InstallOutcome = 'created' | 'installed' | 'updated' | 'unchanged';

/** The dirs every mdevctl command needs (SPEC §1): the definitions and the two script dirs. */
export function requiredDirs(paths: HostPaths): InstallItem[] {
  return paths.requiredDirs().map((path) => ({ kind: 'dir', path }));
}

/** The mode of what is installed, whatever the umask: users read man pages and completion. */
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
/** More than any installed file: a bigger one in its place is replaced without being read whole. */
const MAX_INSTALLED_BYTES = 4 * 1024 * 1024;

/**
 * Makes one item exist as described, under `root`; files are replaced atomically, and only when
 * they differ. A dir or file whose link leads outside the root is refused; what is in a file's
 * place is read without blocking, and must be a regular file (a fifo would hang the read).
 * Modes are set explicitly (0755, 0644): under umask 077 the man pages and completion would
 * otherwise be root's alone. Every failure is one line naming the path.
 */
export function install(item: InstallItem, root: string): InstallOutcome {
  try {
    new RootConfinement(root).assertInside(item.path);
    if (item.kind === 'dir') {
      if (isDir(item.path)) return 'unchanged';
      makeDirs(item.path);
      return 'created';
    }
    const old = installedText(item.path);
    if (old === item.content) return 'unchanged';
    makeDirs(dirname(item.path));
    writeReplacing(item.path, item.content);
    return old === undefined ? 'installed' : 'updated';
  } catch (err) {
    if (err instanceof MdevctlError) throw err;
    throw new MdevctlError(`Unable to install ${item.path}: ${describeOsError(err)}`, { cause: err });
  }
}

/** Creates `dir` and the dirs above it that are missing, each 0755 whatever the umask. */
function makeDirs(dir: string): void {
  if (isDir(dir)) return;
  const up = dirname(dir);
  if (up !== dir) makeDirs(up);
  try {
    mkdirSync(dir, { mode: DIR_MODE });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    return;
  }
  chmodSync(dir, DIR_MODE);
}

/** The text of the file now at `path`; undefined when there is none; refuses anything but a regular file. */
function installedText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new MdevctlError(`Refusing to replace ${path}: it is not a regular file`);
    if (st.size > MAX_INSTALLED_BYTES) return '';
    const buf = Buffer.alloc(st.size);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function writeReplacing(path: string, content: string): void {
  const temp = join(dirname(path), `.${path.slice(path.lastIndexOf('/') + 1)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'wx', FILE_MODE);
    try {
      fchmodSync(fd, FILE_MODE);
      writeAll(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      /* not created */
    }
    throw err;
  }
}
