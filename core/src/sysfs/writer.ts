// Writes to sysfs files. The one place where a simulated host differs from a real one:
// on a real host a write goes to the kernel; on a simulated tree to the simulated kernel.

import { closeSync, existsSync, openSync, writeSync, constants } from 'node:fs';
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

/** Picks the writer for this host: the simulated kernel when the root holds its manifest. */
export async function openSysfsWriter(paths: HostPaths): Promise<SysfsWriter> {
  if (existsSync(paths.simManifest())) {
    const { SimulatedKernel } = await import('../sim/kernel.js');
    return SimulatedKernel.open(paths.root);
  }
  return new KernelSysfsWriter();
}
