// VMs on the simulated vGPU host: a VM holds a VF while a process under ROOT/proc has an fd on the
// VF's /dev/vfio files (what a peer's in-use check reads); when it exits, the driver stays busy
// for timing.exitBusyMs (Proxmox retries its write of 0 for up to 10 s).

import { readlinkSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isSymlink, listDir, makeDir, MODE_RO, putFile, removeTree } from './fsops.js';
import type { SimHost } from './host.js';
import { loadState, saveState, vfioGpus, vfStates, type VfState } from './vgpu.js';

function procDir(host: SimHost): string {
  return join(host.root, 'proc');
}

/** The /dev paths a VM opens for a VF: its vfio-dev cdev and its iommu group. */
export function vfioPathsOf(vfDirPath: string): string[] {
  const paths = listDir(join(vfDirPath, 'vfio-dev')).map((d) => `/dev/vfio/devices/${d}`);
  const group = join(vfDirPath, 'iommu_group');
  if (isSymlink(group)) paths.push(`/dev/vfio/${basename(readlinkSync(group))}`);
  return paths;
}

/** Pids under ROOT/proc with an fd on one of `paths`. */
function holders(host: SimHost, paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const pid of listDir(procDir(host))) {
    if (!/^\d+$/.test(pid)) continue;
    const fdDir = join(procDir(host), pid, 'fd');
    const held = listDir(fdDir).some((fd) => {
      try {
        return paths.includes(readlinkSync(join(fdDir, fd)));
      } catch {
        return false;
      }
    });
    if (held) out.push(pid);
  }
  return out;
}

export function findVf(host: SimHost, address: string): VfState {
  for (const g of vfioGpus(host)) {
    const v = vfStates(host, g).find((x) => x.address === address);
    if (v !== undefined) return v;
  }
  throw new Error(`no enabled VF ${address}`);
}

/** A simulated VM opens the VF's vfio files (ROOT/proc/<pid>/fd links); returns the pid. */
export function holdVf(host: SimHost, address: string, comm = 'qemu-system-x86'): number {
  const v = findVf(host, address);
  if (v.type === 0) throw new Error(`VF ${address} has no vGPU (current_vgpu_type is 0): no VM can use it`);
  const paths = vfioPathsOf(v.dir);
  const taken = new Set(listDir(procDir(host)));
  let pid = 4200;
  while (taken.has(String(pid))) pid++;
  const dir = join(procDir(host), String(pid));
  putFile(join(dir, 'comm'), `${comm.replace(/\n/g, ' ').slice(0, 15)}\n`, MODE_RO);
  putFile(join(dir, 'cmdline'), `qemu-system-x86_64\0-name\0sim-vm-${address}\0`, MODE_RO);
  paths.forEach((p, i) => linkAbsolute(join(dir, 'fd', String(20 + i)), p));
  return pid;
}

function linkAbsolute(link: string, target: string): void {
  makeDir(dirname(link));
  removeTree(link);
  // An fd link names the opened file as the process sees it: an absolute path, never followed.
  symlinkSync(target, link);
}

/** The VM(s) using the VF exit: their fds close; the driver is busy for timing.exitBusyMs. */
export function releaseVf(host: SimHost, address: string): number {
  const v = findVf(host, address);
  const pids = holders(host, vfioPathsOf(v.dir));
  for (const pid of pids) removeTree(join(procDir(host), pid));
  if (pids.length > 0) makeBusy(host, address, host.manifest.vfio?.timing.exitBusyMs ?? 0);
  return pids.length;
}

/** The driver refuses changes to the VF for `ms` from now (as after a VM exits). */
export function makeBusy(host: SimHost, address: string, ms: number): void {
  findVf(host, address);
  const s = loadState(host);
  s.busyUntil[address] = Date.now() + ms;
  saveState(host, s);
}

/** Whether the driver cannot change a VF right now: a VM holds it, or one just let it go. */
export function isBusy(host: SimHost, vf: VfState): boolean {
  if (holders(host, vfioPathsOf(vf.dir)).length > 0) return true;
  const until = loadState(host).busyUntil[vf.address];
  return until !== undefined && Date.now() < until;
}
