// The kernel's sysfs backend, and the choice of backend for a host (made once, at the
// composition root, app.ts): the kernel's, or on a simulated host (its root holds
// .mdev-sim/kernel.json) the one @mdevctl/plugin-sim provides, imported only then.

import { closeSync, existsSync, openSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileBackend, type SysfsBackend } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';

export interface SysfsWriter {
  /**
   * Writes `data` to an existing sysfs attribute file (no create, no truncate), as
   * `echo -n data > path` would. Throws a Node errno error (code EEXIST, ENOSPC, EINVAL,
   * ENOENT, EACCES, ENODEV, or UNKNOWN with errno -87 for EUSERS) when the kernel refuses.
   */
  write(path: string, data: string): void;
}

/** The kernel's own sysfs: open O_WRONLY (never O_CREAT), one write. */
export class KernelSysfsWriter implements SysfsWriter {
  write(path: string, data: string): void {
    const fd = openSync(path, constants.O_WRONLY);
    try {
      writeSync(fd, data);
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
