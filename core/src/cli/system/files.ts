// What a working mdevctl installation has on the host (all under the environment root): the
// dirs of SPEC §1, the udev rule that starts a parent's `auto` devices when it registers, and
// the man pages and bash completion where man and bash-completion look for them.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { writeAll } from '@mdevctl/plugin-sdk';
import { dirname, join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { isDir } from '../../host/fs.js';

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

/** Makes one item exist as described; files are replaced atomically, and only when they differ. */
export function install(item: InstallItem): InstallOutcome {
  if (item.kind === 'dir') {
    if (isDir(item.path)) return 'unchanged';
    mkdirSync(item.path, { recursive: true, mode: 0o755 });
    return 'created';
  }
  let old: string | undefined;
  try {
    old = readFileSync(item.path, 'utf8');
  } catch {
    old = undefined;
  }
  if (old === item.content) return 'unchanged';
  mkdirSync(dirname(item.path), { recursive: true, mode: 0o755 });
  const temp = join(dirname(item.path), `.${item.path.slice(item.path.lastIndexOf('/') + 1)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeAll(fd, item.content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, item.path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      /* not created */
    }
    throw err;
  }
  return old === undefined ? 'installed' : 'updated';
}

