// The kernel's sysfs backend, and the choice of backend for a host (made once, at the
// composition root, app.ts): the kernel's, or on a simulated host (its root holds
// .mdev-sim/kernel.json) the one @mdevctl/plugin-sim provides, imported only then.

import { closeSync, existsSync, openSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileBackend, type SysfsBackend } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { writeWhole } from '@mdevctl/plugin-sdk';

export interface SysfsWriter {
  /**
   * Writes `data` to an existing sysfs attribute file (O_WRONLY|O_TRUNC, never O_CREAT; no
   * newline added), as `echo -n data > path` would; a short write is an error. Throws a Node errno error (code EEXIST, ENOSPC, EINVAL,
   * ENOENT, EACCES, ENODEV, or UNKNOWN with errno -87 for EUSERS) when the kernel refuses.
   */
  write(path: string, data: string): void;
}

/** Open flags of a sysfs write (SPEC §8): the kernel ignores the truncation; a plain tree gets exactly the bytes. */
export const SYSFS_WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

/** The kernel's own sysfs: open O_WRONLY|O_TRUNC (never O_CREAT), one whole write. */
export class KernelSysfsWriter implements SysfsWriter {
  write(path: string, data: string): void {
    const fd = openSync(path, SYSFS_WRITE_FLAGS);
    try {
      writeWhole(fd, data);
    } finally {
      closeSync(fd);
    }
  }
}

/** The kernel's backend for the mdev bus under `root`. */
export function kernelBackend(root: string): SysfsBackend {
  const writer = new KernelSysfsWriter();
  return fileBackend(root, (path, data) => writer.write(path, data));
}

/** The marker of a simulated host tree (written by `mdevctl-sim init`). */
const SIM_MARKER = '.mdev-sim/kernel.json';
/** The package that provides a simulated host's backend. */
const SIM_PACKAGE = '@mdevctl/plugin-sim';

interface BackendPackage {
  sysfsBackend(root: string): SysfsBackend;
}

/** The backend for this host: the simulated one when the root holds its marker, else the kernel's. */
export async function openSysfsBackend(paths: HostPaths): Promise<SysfsBackend> {
  if (!existsSync(join(paths.root, SIM_MARKER))) return kernelBackend(paths.root);
  const specifier: string = SIM_PACKAGE; // not bundled: imported from node_modules on a simulated host only
  const pkg = (await import(specifier)) as BackendPackage;
  return pkg.sysfsBackend(paths.root);
}
