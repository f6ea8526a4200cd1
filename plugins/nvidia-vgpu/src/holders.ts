// Which process holds a VF's vfio files open (a running VM): a VF given to QEMU is opened through
// /dev/vfio/devices/vfioN (iommufd; N from the VF's vfio-dev/vfioN) or /dev/vfio/<group> (the
// VF's IOMMU group). The driver would let mdevctl write 0 under a running VM's feet, or block;
// hypeman refuses first, and so does mdevctl. Found by reading the links in /proc/<pid>/fd, as
// `fuser` does; bounded (at most MAX_FDS links looked at in all). Reads only.

import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pciDir } from './pci.js';

const MAX_FDS = 200_000;

export interface Holder {
  readonly pid: number;
  readonly command: string;
  readonly file: string;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The paths a process opens to use the VF (absolute on the host). */
export function vfioFiles(root: string, vf: string): string[] {
  const out: string[] = [];
  for (const n of list(join(root, pciDir(vf), 'vfio-dev'))) if (/^vfio\d+$/.test(n)) out.push(`/dev/vfio/devices/${n}`);
  try {
    const group = basename(readlinkSync(join(root, pciDir(vf), 'iommu_group')));
    if (/^\d+$/.test(group)) out.push(`/dev/vfio/${group}`);
  } catch {
    // no IOMMU group link: only the iommufd file counts
  }
  return out;
}

/** The first process found holding one of the VF's vfio files, or undefined. */
export function vfioHolder(root: string, vf: string): Holder | undefined {
  const files = vfioFiles(root, vf);
  if (files.length === 0) return undefined;
  const wanted = new Set([...files, ...files.map((f) => join(root, f))]);
  let budget = MAX_FDS;
  const proc = join(root, 'proc');
  for (const p of list(proc)) {
    if (!/^\d+$/.test(p)) continue;
    for (const fd of list(join(proc, p, 'fd'))) {
      if (--budget < 0) return undefined;
      let target: string;
      try {
        target = readlinkSync(join(proc, p, 'fd', fd));
      } catch {
        continue;
      }
      if (!wanted.has(target)) continue;
      let command = '?';
      try {
        command = readFileSync(join(proc, p, 'comm'), 'utf8').trim().slice(0, 64).replace(/[\x00-\x1f\x7f]/g, '?') || '?';
      } catch {
        // gone meanwhile
      }
      return { pid: Number(p), command, file: target.startsWith(root) && root !== '/' ? target.slice(root.length) : target };
    }
  }
  return undefined;
}
