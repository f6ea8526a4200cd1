// The simulated NVIDIA driver's SR-IOV side: the PF as booted, sriov-manage's enabling (each VF
// bound to nvidia, with its vfio-dev and iommu group; uevents) and disabling, the VFs' nvidia/
// dirs that appear late (settleNvidia), and nvidia-smi's heterogeneous mode switch.

import { randomInt } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lowestFreeGroup } from './devices.js';
import { isDirectory, isSymlink, linkTo, listDir, makeDir, MODE_RO, MODE_RW, putFile, removeTree, replaceFile } from './fsops.js';
import type { SimHost, Uevent } from './host.js';
import { vfAddress, type VfioGpuProfile } from './vgpu-profiles.js';
import { creatableTypes, formatCatalogue, gpuState, loadState, numVfs, pfDir, refreshCatalogues, saveState, vfDir, vfioGpus, vfStates, type VfState } from './vgpu.js';

const VFIO_MAJOR = '511';
const NVIDIA_DRIVER = 'bus/pci/drivers/nvidia';

function pciEntry(host: SimHost, address: string): string {
  return host.sysPath(join('bus/pci/devices', address));
}

function joinGroup(host: SimHost, dev: string): number {
  const group = lowestFreeGroup(host);
  const groupDir = host.sysPath(`kernel/iommu_groups/${group}`);
  linkTo(join(groupDir, 'devices', basename(dev)), dev);
  linkTo(join(dev, 'iommu_group'), groupDir);
  return group;
}

function leaveGroup(host: SimHost, dev: string): void {
  const link = join(dev, 'iommu_group');
  if (isSymlink(link)) removeTree(host.sysPath(`kernel/iommu_groups/${basename(readlinkSync(link))}`));
}

/** The PF as the PCI core and nvidia.ko show it after boot: SR-IOV capable, no VFs. */
export function buildPf(host: SimHost, g: VfioGpuProfile): void {
  const dir = pfDir(host, g);
  makeDir(join(dir, 'power'));
  for (const [rel, content] of Object.entries(g.files)) putFile(join(dir, rel), content, rel === 'uevent' ? MODE_RW : MODE_RO);
  putFile(join(dir, 'sriov_totalvfs'), `${g.totalVfs}\n`, MODE_RO);
  putFile(join(dir, 'sriov_numvfs'), '0\n', MODE_RW);
  putFile(join(dir, 'sriov_offset'), `${g.vfOffset}\n`, MODE_RO);
  putFile(join(dir, 'sriov_stride'), `${g.vfStride}\n`, MODE_RO);
  putFile(join(dir, 'sriov_vf_device'), `${g.vfDevice.slice(2)}\n`, MODE_RO);
  linkTo(join(dir, 'subsystem'), host.sysPath('bus/pci'));
  linkTo(pciEntry(host, g.name), dir);
  linkTo(join(dir, 'driver'), host.sysPath(NVIDIA_DRIVER));
  linkTo(host.sysPath(join(NVIDIA_DRIVER, g.name)), dir);
  joinGroup(host, dir);
  const s = loadState(host);
  saveState(host, s);
}

function buildVf(host: SimHost, g: VfioGpuProfile, n: number): Uevent[] {
  const dir = vfDir(host, g, n);
  const address = vfAddress(g, n);
  makeDir(join(dir, 'power'));
  const pciId = `10DE:${g.vfDevice.slice(2).toUpperCase()}`;
  putFile(join(dir, 'uevent'), `DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=${pciId}\nPCI_SLOT_NAME=${address}\n`, MODE_RW);
  putFile(join(dir, 'vendor'), '0x10de\n', MODE_RO);
  putFile(join(dir, 'device'), `${g.vfDevice}\n`, MODE_RO);
  putFile(join(dir, 'class'), '0x030200\n', MODE_RO);
  linkTo(join(dir, 'subsystem'), host.sysPath('bus/pci'));
  linkTo(join(dir, 'physfn'), pfDir(host, g));
  linkTo(join(pfDir(host, g), `virtfn${n}`), dir);
  const group = joinGroup(host, dir);
  // nvidia.ko is the VFIO provider of its VFs: each gets a vfio-dev (KubeVirt #17642).
  const vfioDev = join(dir, 'vfio-dev', `vfio${group}`);
  makeDir(join(vfioDev, 'power'));
  linkTo(join(vfioDev, 'device'), dir);
  putFile(join(vfioDev, 'uevent'), `MAJOR=${VFIO_MAJOR}\nMINOR=${group}\nDEVNAME=vfio/devices/vfio${group}\n`, MODE_RW);
  linkTo(join(dir, 'driver'), host.sysPath(NVIDIA_DRIVER));
  linkTo(host.sysPath(join(NVIDIA_DRIVER, address)), dir);
  // Last: visible on the bus only when complete.
  linkTo(pciEntry(host, address), dir);
  const devpath = host.devpathOf(dir);
  return [
    { action: 'add', devpath, subsystem: 'pci', env: { PCI_SLOT_NAME: address } },
    { action: 'add', devpath: `${devpath}/vfio-dev/vfio${group}`, subsystem: 'vfio-dev', env: { DEVNAME: `vfio/devices/vfio${group}` } },
    { action: 'bind', devpath, subsystem: 'pci', env: { DRIVER: 'nvidia' } },
  ];
}

function removeVf(host: SimHost, g: VfioGpuProfile, n: number): Uevent[] {
  const dir = vfDir(host, g, n);
  const address = vfAddress(g, n);
  const devpath = host.devpathOf(dir);
  const vfioDevs = listDir(join(dir, 'vfio-dev'));
  removeTree(pciEntry(host, address));
  removeTree(host.sysPath(join(NVIDIA_DRIVER, address)));
  removeTree(join(pfDir(host, g), `virtfn${n}`));
  leaveGroup(host, dir);
  removeTree(dir);
  return [
    ...vfioDevs.map((d): Uevent => ({ action: 'remove', devpath: `${devpath}/vfio-dev/${d}`, subsystem: 'vfio-dev', env: {} })),
    { action: 'unbind', devpath, subsystem: 'pci', env: {} },
    { action: 'remove', devpath, subsystem: 'pci', env: {} },
  ];
}

function buildNvidiaDir(host: SimHost, v: VfState, catalogue: string): void {
  const nv = join(v.dir, 'nvidia');
  putFile(join(nv, 'current_vgpu_type'), '0\n', MODE_RW);
  // Before a vGPU exists the driver answers ENXIO on read (cubecos #312); a plain file cannot:
  // the sim leaves them empty.
  putFile(join(nv, 'gpu_instance_id'), '', MODE_RW);
  putFile(join(nv, 'placement_id'), '', MODE_RW);
  putFile(join(nv, 'vgpu_params'), '', MODE_RW);
  // Last, so a reader that waits for the catalogue finds the whole dir.
  putFile(join(nv, 'creatable_vgpu_types'), catalogue, MODE_RO);
}

/**
 * sriov-manage -e for one GPU: enables all its VFs (idempotent: false when they already were),
 * wiping heterogeneous mode. Their nvidia/ dirs appear at once when `now`, else stay pending
 * (settleNvidia makes them appear).
 */
export function enableVfs(host: SimHost, g: VfioGpuProfile, now: boolean): boolean {
  if (numVfs(host, g) > 0) return false;
  const s = loadState(host);
  const st = gpuState(s, g);
  st.heterogeneous = false;
  st.generation = randomInt(1, 2 ** 47);
  st.pendingNvidia = true;
  const events: Uevent[] = [];
  for (let n = 0; n < g.totalVfs; n++) events.push(...buildVf(host, g, n));
  replaceFile(host.tmpDir, join(pfDir(host, g), 'sriov_numvfs'), `${g.totalVfs}\n`, MODE_RW);
  host.emit(events);
  saveState(host, s);
  if (now) settleNvidia(host, g.name);
  return true;
}

/** sriov-manage -d for one GPU: removes its VFs; refused (throws) while one has a vGPU. */
export function disableVfs(host: SimHost, g: VfioGpuProfile): boolean {
  const vfs = vfStates(host, g);
  if (vfs.length === 0) return false;
  const busy = vfs.filter((v) => v.type !== 0).map((v) => v.address);
  if (busy.length > 0) throw new Error(`${g.name}: VFs ${busy.join(', ')} have a vGPU; destroy them first`);
  const events: Uevent[] = [];
  for (let n = vfs.length - 1; n >= 0; n--) events.push(...removeVf(host, g, n));
  replaceFile(host.tmpDir, join(pfDir(host, g), 'sriov_numvfs'), '0\n', MODE_RW);
  host.emit(events);
  const s = loadState(host);
  gpuState(s, g).pendingNvidia = false;
  saveState(host, s);
  return true;
}

/** The GPUs whose enabled VFs still wait for their nvidia/ dirs, with the enabling's generation. */
export function pendingNvidia(host: SimHost): Array<{ gpu: string; generation: number }> {
  const s = loadState(host);
  return vfioGpus(host)
    .filter((g) => gpuState(s, g).pendingNvidia)
    .map((g) => ({ gpu: g.name, generation: gpuState(s, g).generation }));
}

/**
 * Makes the pending nvidia/ dirs appear (of one GPU, or all; of one enabling when `generation`
 * is given, so a late call after a reboot or a new enabling does nothing). Returns how many VFs.
 */
export function settleNvidia(host: SimHost, gpu?: string, generation?: number): number {
  const s = loadState(host);
  let count = 0;
  for (const g of vfioGpus(host)) {
    const st = gpuState(s, g);
    if (gpu !== undefined && g.name !== gpu) continue;
    if (!st.pendingNvidia || (generation !== undefined && st.generation !== generation)) continue;
    const vfs = vfStates(host, g);
    const catalogue = formatCatalogue(creatableTypes(g, st.heterogeneous, vfs));
    for (const v of vfs) {
      if (v.ready || !isDirectory(v.dir)) continue;
      buildNvidiaDir(host, v, catalogue);
      count++;
    }
    st.pendingNvidia = false;
    refreshCatalogues(host, g, s);
  }
  saveState(host, s);
  return count;
}

/** nvidia-smi vgpu -shm: heterogeneous mode on or off; refused (throws) while the GPU has a vGPU. */
export function setHeterogeneous(host: SimHost, g: VfioGpuProfile, on: boolean): void {
  const used = vfStates(host, g).filter((v) => v.type !== 0);
  if (used.length > 0) throw new Error(`${g.name}: cannot change the vGPU mode while ${used.length} vGPU(s) exist`);
  const s = loadState(host);
  gpuState(s, g).heterogeneous = on;
  saveState(host, s);
  refreshCatalogues(host, g, s);
}
