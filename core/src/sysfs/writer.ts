// The one way core and the backends write to sysfs (SysfsWrite: the kernel's, or on a simulated
// host — its root holds .mdev-sim/kernel.json — the simulator's from @mdevctl/plugin-sim,
// imported only then, on the first change), and the mdev bus's write side built on it.

import { closeSync, existsSync, openSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileBackend, type SysfsBackend } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { writeWhole } from '@mdevctl/plugin-sdk';

/**
 * Writes `data` to an existing sysfs attribute file (O_WRONLY|O_TRUNC, never O_CREAT; no
 * newline added), as `echo -n data > path` would; a short write is an error. Throws a Node errno
 * error (code EEXIST, ENOSPC, EINVAL, ENOENT, EACCES, ENODEV, or UNKNOWN with errno -87 for
 * EUSERS) when the kernel refuses.
 */
export type SysfsWrite = (path: string, data: string) => void;

/** Open flags of a sysfs write (SPEC §8): the kernel ignores the truncation; a plain tree gets exactly the bytes. */
export const SYSFS_WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

/** The kernel's own sysfs: open O_WRONLY|O_TRUNC (never O_CREAT), one whole write. */
export function kernelWrite(path: string, data: string): void {
  const fd = openSync(path, SYSFS_WRITE_FLAGS);
  try {
    writeWhole(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** kernelWrite as an object (the kernel stage's probe uses it). */
export class KernelSysfsWriter {
  write(path: string, data: string): void {
    kernelWrite(path, data);
  }
}

/** The kernel's backend for the mdev bus under `root`. */
export function kernelBackend(root: string): SysfsBackend {
  return fileBackend(root, kernelWrite);
}

/** The marker of a simulated host tree (written by `mdevctl-sim init`). */
const SIM_MARKER = '.mdev-sim/kernel.json';
/** The package that provides a simulated host's writes. */
const SIM_PACKAGE = '@mdevctl/plugin-sim';

interface SimPackage {
  sysfsWrite(root: string): SysfsWrite;
}

/** How this host is written: the simulator when the root holds its marker, else the kernel. */
export async function openSysfsWrite(paths: HostPaths): Promise<SysfsWrite> {
  if (!existsSync(join(paths.root, SIM_MARKER))) return kernelWrite;
  const specifier: string = SIM_PACKAGE; // not bundled: imported from node_modules on a simulated host only
  const pkg = (await import(specifier)) as SimPackage;
  return pkg.sysfsWrite(paths.root);
}

/** The mdev bus's write side for this host, each change one write through `write`. */
export function sysfsBackend(paths: HostPaths, write: SysfsWrite): SysfsBackend {
  return write === kernelWrite ? kernelBackend(paths.root) : fileBackend(paths.root, write);
}
