// The simulated NVIDIA vGPU host driver on the vendor-specific VFIO framework (NVIDIA-VFIO facts):
// a GPU's SR-IOV VFs (enabled by sriov-manage, not by a raw sriov_numvfs write), each VF's nvidia/
// dir (appears a little after the VF), its catalogue (creatable_vgpu_types) computed from the
// GPU's shared framebuffer, and the stores of current_vgpu_type, placement_id, gpu_instance_id,
// vgpu_params and sriov_numvfs. A VF is "held open" while a process under ROOT/proc has an fd on
// its /dev/vfio files (what a peer's in-use check reads); after it closes them the driver stays
// busy for a while. The driver's own state (modes, busy windows) is .mdev-sim/nvidia.json.
//
// Every errno returned below, beyond the kernel's own sriov_numvfs checks, is a GUESS: no driver
// source is public; each is marked where it is chosen.

import { randomInt } from 'node:crypto';
import { readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lowestFreeGroup } from './devices.js';
import { kstrtoul, type SimErrnoCode } from './errno.js';
import { isDirectory, isSymlink, linkTo, listDir, makeDir, MODE_RO, MODE_RW, putFile, readText, removeTree, replaceFile } from './fsops.js';
import type { SimHost, Uevent } from './host.js';
import { vfAddress, type VfioGpuProfile, type VgpuTypeProfile } from './vgpu-profiles.js';

const STATE_FILE = 'nvidia.json';
const VFIO_MAJOR = '511';
const NVIDIA_DRIVER = 'bus/pci/drivers/nvidia';
/** The header line of creatable_vgpu_types. */
export const CATALOGUE_HEADER = 'ID : Name';
/** The files of a VF's nvidia/ dir. */
export const NVIDIA_FILES = ['creatable_vgpu_types', 'current_vgpu_type', 'gpu_instance_id', 'placement_id', 'vgpu_params'] as const;

interface GpuState {
  heterogeneous: boolean;
  /** New (random) each time VFs are enabled, across reboots: a late nvidia/ belongs to one enabling. */
  generation: number;
  /** VFs enabled whose nvidia/ dirs have not appeared yet. */
  pendingNvidia: boolean;
}

interface NvidiaState {
  gpus: Record<string, GpuState>;
  /** VF address → epoch ms until which the driver refuses changes (a VM just exited). */
  busyUntil: Record<string, number>;
}

/** One enabled VF as the tree shows it. */
export interface VfState {
  gpu: VfioGpuProfile;
  index: number;
  address: string;
  dir: string;
  /** Its nvidia/ dir exists. */
  ready: boolean;
  /** current_vgpu_type (0: no vGPU). */
  type: number;
  /** The vGPU's (or a requested) placement, in GB from the start of the framebuffer. */
  placement: number | undefined;
}

export function vfioGpus(host: SimHost): VfioGpuProfile[] {
  return host.manifest.vfio?.gpus ?? [];
}

/** A GPU by its PF address as tools write it: any case, a 4- or 8-digit domain or none. */
export function findGpu(host: SimHost, address: string): VfioGpuProfile {
  const m = /^(?:([0-9a-f]{1,8}):)?([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$/i.exec(address.trim());
  const name = m === null ? address : `${(m[1] ?? '0').toLowerCase().padStart(8, '0').slice(-4)}:${(m[2] ?? '').toLowerCase()}`;
  const g = vfioGpus(host).find((x) => x.name === name);
  if (g === undefined) {
    const known = vfioGpus(host).map((x) => x.name);
    throw new Error(`unknown GPU '${name}' (${known.length > 0 ? `this host has: ${known.join(', ')}` : 'this host has no vendor-VFIO GPU'})`);
  }
  return g;
}

export function pfDir(host: SimHost, g: VfioGpuProfile): string {
  return host.sysPath(g.devpath);
}

function vfDir(host: SimHost, g: VfioGpuProfile, n: number): string {
  return join(dirname(pfDir(host, g)), vfAddress(g, n));
}

/** sriov_numvfs of the PF (0 when absent or unreadable). */
export function numVfs(host: SimHost, g: VfioGpuProfile): number {
  try {
    const n = Number.parseInt(readText(join(pfDir(host, g), 'sriov_numvfs')), 10);
    return Number.isInteger(n) ? n : 0;
  } catch {
    return 0;
  }
}

function readNumber(path: string): number | undefined {
  try {
    const t = readText(path).trim();
    return /^\d+$/.test(t) ? Number(t) : undefined;
  } catch {
    return undefined;
  }
}

export function vfStates(host: SimHost, g: VfioGpuProfile): VfState[] {
  const out: VfState[] = [];
  for (let n = 0; n < numVfs(host, g); n++) {
    const dir = vfDir(host, g, n);
    const nv = join(dir, 'nvidia');
    const ready = isDirectory(nv);
    out.push({
      gpu: g,
      index: n,
      address: vfAddress(g, n),
      dir,
      ready,
      type: ready ? (readNumber(join(nv, 'current_vgpu_type')) ?? 0) : 0,
      placement: ready ? readNumber(join(nv, 'placement_id')) : undefined,
    });
  }
  return out;
}

// ---- the driver's own state ----

function statePath(host: SimHost): string {
  return join(host.simDir, STATE_FILE);
}

function loadState(host: SimHost): NvidiaState {
  let s: Partial<NvidiaState> = {};
  try {
    s = JSON.parse(readFileSync(statePath(host), 'utf8')) as Partial<NvidiaState>;
  } catch {
    // absent (fresh boot) or unreadable: the defaults
  }
  const gpus: Record<string, GpuState> = {};
  for (const g of vfioGpus(host)) {
    gpus[g.name] = s.gpus?.[g.name] ?? { heterogeneous: false, generation: 0, pendingNvidia: false };
  }
  return { gpus, busyUntil: s.busyUntil ?? {} };
}

function saveState(host: SimHost, s: NvidiaState): void {
  makeDir(host.simDir);
  writeFileSync(statePath(host), `${JSON.stringify(s)}\n`);
}

function gpuState(s: NvidiaState, g: VfioGpuProfile): GpuState {
  const st = s.gpus[g.name];
  if (st === undefined) throw new Error(`no driver state for GPU ${g.name}`);
  return st;
}

export function isHeterogeneous(host: SimHost, g: VfioGpuProfile): boolean {
  return gpuState(loadState(host), g).heterogeneous;
}

// ---- the catalogue ----

function typeById(g: VfioGpuProfile, id: number): VgpuTypeProfile | undefined {
  return g.types.find((t) => t.id === id);
}

/**
 * Where a vGPU of `t` can go on the GPU beside `used`: a free, size-aligned range of the
 * framebuffer (the first, or `wanted` when that one is free). Undefined when none is.
 */
function placementFor(g: VfioGpuProfile, used: readonly VfState[], t: VgpuTypeProfile, wanted?: number): number | undefined {
  const ranges = used.map((v) => [v.placement ?? 0, (v.placement ?? 0) + (typeById(g, v.type)?.framebufferGb ?? 0)] as const);
  const free = (off: number): boolean => ranges.every(([a, b]) => off + t.framebufferGb <= a || off >= b);
  if (wanted !== undefined) return wanted % t.framebufferGb === 0 && wanted + t.framebufferGb <= g.framebufferGb && free(wanted) ? wanted : undefined;
  for (let off = 0; off + t.framebufferGb <= g.framebufferGb; off += t.framebufferGb) if (free(off)) return off;
  return undefined;
}

/**
 * The types a free VF of the GPU lists: time-sliced, every type that fits an empty GPU, then only
 * the type already running while one more fits; heterogeneous, every type that still has room.
 */
function creatableTypes(g: VfioGpuProfile, heterogeneous: boolean, vfs: readonly VfState[]): VgpuTypeProfile[] {
  const used = vfs.filter((v) => v.type !== 0);
  const first = used[0];
  const candidates = heterogeneous || first === undefined ? g.types : g.types.filter((t) => t.id === first.type);
  return candidates.filter((t) => placementFor(g, used, t) !== undefined);
}

export function formatCatalogue(types: readonly VgpuTypeProfile[]): string {
  return `${CATALOGUE_HEADER}\n${types.map((t) => `${t.id} : ${t.name}\n`).join('')}`;
}

/**
 * Rewrites creatable_vgpu_types of every VF of the GPU whose nvidia/ exists. A VF with a vGPU
 * lists nothing (GUESS: it can make no second one, and the facts allow its own type to be gone
 * from its catalogue).
 */
export function refreshCatalogues(host: SimHost, g: VfioGpuProfile, s: NvidiaState = loadState(host)): void {
  const vfs = vfStates(host, g);
  const text = formatCatalogue(creatableTypes(g, gpuState(s, g).heterogeneous, vfs));
  const empty = formatCatalogue([]);
  for (const v of vfs) {
    if (!v.ready) continue;
    replaceFile(host.tmpDir, join(v.dir, 'nvidia', 'creatable_vgpu_types'), v.type === 0 ? text : empty, MODE_RO);
  }
}

// ---- the PF and its VFs ----

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

// ---- VMs: processes holding a VF's vfio files open ----

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

function findVf(host: SimHost, address: string): VfState {
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

// ---- the store functions ----

/** The GPU and VF a path's dir belongs to: `<VF>/nvidia/<file>` or the PF's own dir. */
export function vgpuFileOwner(host: SimHost, real: string): { gpu: VfioGpuProfile; vf?: VfState } | undefined {
  const dir = dirname(real);
  for (const g of vfioGpus(host)) {
    if (dir === pfDir(host, g)) return { gpu: g };
    if (basename(dir) !== 'nvidia' || dirname(dirname(dir)) !== dirname(pfDir(host, g))) continue;
    const vf = vfStates(host, g).find((v) => v.dir === dirname(dir));
    if (vf !== undefined) return { gpu: g, vf };
  }
  return undefined;
}

/**
 * A write to a file of a vendor-VFIO GPU; undefined = success, else the errno. `readable`
 * files the driver does not handle keep what is written (as the kernel's other attributes).
 */
export function storeVgpu(host: SimHost, owner: { gpu: VfioGpuProfile; vf?: VfState }, name: string, data: string): SimErrnoCode | undefined | 'plain' {
  const { gpu, vf } = owner;
  if (vf === undefined) return name === 'sriov_numvfs' ? storeNumVfs(host, gpu, data) : 'plain';
  switch (name) {
    case 'current_vgpu_type':
      return storeCurrentType(host, gpu, vf, data);
    case 'placement_id':
      return storePlacement(host, gpu, vf, data);
    case 'gpu_instance_id': {
      const v = kstrtoul(data);
      if (v === 'EINVAL' || v === 'ERANGE') return v;
      // GUESS: the sim has no MIG mode, so no GPU instance can be chosen.
      return 'EINVAL';
    }
    case 'vgpu_params':
      return storeParams(vf, data);
    default:
      return 'plain';
  }
}

/**
 * sriov_numvfs_store (drivers/pci/iov.c): kstrtou16, ERANGE above sriov_totalvfs, no-op when
 * unchanged, then the PF driver's sriov_configure. GUESS: nvidia.ko has none (VFs are enabled
 * by sriov-manage only; a raw write "is refused", cubecos), so the PCI core answers ENOENT.
 */
function storeNumVfs(host: SimHost, g: VfioGpuProfile, data: string): SimErrnoCode | undefined {
  const v = kstrtoul(data);
  if (v === 'EINVAL' || v === 'ERANGE') return v;
  if (v > 0xffffn || v > BigInt(g.totalVfs)) return 'ERANGE';
  if (Number(v) === numVfs(host, g)) return undefined;
  return 'ENOENT';
}

function writeNvidia(host: SimHost, vf: VfState, file: string, content: string): void {
  replaceFile(host.tmpDir, join(vf.dir, 'nvidia', file), content, MODE_RW);
}

/** Whether the driver cannot change a VF right now: a VM holds it, or one just let it go. */
function isBusy(host: SimHost, vf: VfState): boolean {
  if (holders(host, vfioPathsOf(vf.dir)).length > 0) return true;
  const until = loadState(host).busyUntil[vf.address];
  return until !== undefined && Date.now() < until;
}

/**
 * current_vgpu_type: a decimal type id creates the vGPU, 0 destroys it. All errnos are GUESSES:
 * EBUSY while a VM holds the VF or just exited (Proxmox retries up to 10 s; hypeman refuses
 * while the vfio files are open) and when the VF already has a vGPU (hypeman writes 0 first);
 * EINVAL for an id the card does not know, or another type on a time-sliced GPU; ENOSPC when
 * the framebuffer has no room for it.
 */
function storeCurrentType(host: SimHost, g: VfioGpuProfile, vf: VfState, data: string): SimErrnoCode | undefined {
  const v = kstrtoul(data);
  if (v === 'EINVAL' || v === 'ERANGE') return v;
  if (v === 0n && vf.type === 0) return undefined;
  if (isBusy(host, vf)) return 'EBUSY';
  if (v === 0n) {
    writeNvidia(host, vf, 'current_vgpu_type', '0\n');
    writeNvidia(host, vf, 'placement_id', '');
    writeNvidia(host, vf, 'gpu_instance_id', '');
    refreshCatalogues(host, g);
    return undefined;
  }
  if (vf.type !== 0) return 'EBUSY';
  const t = v <= BigInt(Number.MAX_SAFE_INTEGER) ? typeById(g, Number(v)) : undefined;
  if (t === undefined) return 'EINVAL';
  const others = vfStates(host, g).filter((o) => o.type !== 0);
  if (!isHeterogeneous(host, g) && others.some((o) => o.type !== t.id)) return 'EINVAL';
  const wanted = vf.placement;
  if (wanted !== undefined && wanted % t.framebufferGb !== 0) return 'EINVAL';
  const placement = placementFor(g, others, t, wanted);
  if (placement === undefined) return 'ENOSPC';
  writeNvidia(host, vf, 'placement_id', `${placement}\n`);
  writeNvidia(host, vf, 'current_vgpu_type', `${t.id}\n`);
  refreshCatalogues(host, g);
  return undefined;
}

/**
 * placement_id before a vGPU: where in the framebuffer the next one goes (heterogeneous mode).
 * GUESSES: EBUSY once a vGPU exists; EINVAL on a time-sliced GPU or past the framebuffer.
 */
function storePlacement(host: SimHost, g: VfioGpuProfile, vf: VfState, data: string): SimErrnoCode | undefined {
  const v = kstrtoul(data);
  if (v === 'EINVAL' || v === 'ERANGE') return v;
  if (vf.type !== 0) return 'EBUSY';
  if (!isHeterogeneous(host, g) || v >= BigInt(g.framebufferGb)) return 'EINVAL';
  writeNvidia(host, vf, 'placement_id', `${v}\n`);
  return undefined;
}

const PARAMS_RE = /^[A-Za-z_][A-Za-z0-9_]*=[^,=\s]*(,[A-Za-z_][A-Za-z0-9_]*=[^,=\s]*)*$/;

/**
 * vgpu_params: comma-separated key=value, kept for the next VM start (GUESS: as in the mdev era);
 * a lone newline clears them; anything else EINVAL (GUESS).
 */
function storeParams(vf: VfState, data: string): SimErrnoCode | undefined {
  const text = data.endsWith('\n') ? data.slice(0, -1) : data;
  if (text !== '' && !PARAMS_RE.test(text)) return 'EINVAL';
  writeFileSync(join(vf.dir, 'nvidia', 'vgpu_params'), text === '' ? '' : `${text}\n`);
  return undefined;
}

/** Every running vGPU on the host (VF address, GPU, type id). */
export function runningVgpus(host: SimHost): Array<{ vf: string; gpu: string; type: number }> {
  return vfioGpus(host).flatMap((g) =>
    vfStates(host, g)
      .filter((v) => v.type !== 0)
      .map((v) => ({ vf: v.address, gpu: g.name, type: v.type })),
  );
}
