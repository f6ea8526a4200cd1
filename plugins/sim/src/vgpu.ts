// The simulated NVIDIA vGPU host driver on the vendor-specific VFIO framework (NVIDIA-VFIO facts),
// as it sees a GPU: the GPUs of the host, a PF's enabled VFs as the tree shows them, the driver's
// own state (.mdev-sim/nvidia.json: heterogeneous mode, late nvidia/ dirs, busy windows), and each
// VF's catalogue (creatable_vgpu_types) computed from the GPU's shared framebuffer. The other
// vgpu-*.ts modules build VFs (vgpu-sriov), play VMs (vgpu-vms) and store writes (vgpu-store).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDirectory, makeDir, MODE_RO, readText, replaceFile } from './fsops.js';
import type { SimHost } from './host.js';
import { vfAddress, type VfioGpuProfile, type VgpuTypeProfile } from './vgpu-profiles.js';

const STATE_FILE = 'nvidia.json';
/** The header line of creatable_vgpu_types. */
export const CATALOGUE_HEADER = 'ID : Name';

export interface GpuState {
  heterogeneous: boolean;
  /** New (random) each time VFs are enabled, across reboots: a late nvidia/ belongs to one enabling. */
  generation: number;
  /** VFs enabled whose nvidia/ dirs have not appeared yet. */
  pendingNvidia: boolean;
}

export interface NvidiaState {
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

export function vfDir(host: SimHost, g: VfioGpuProfile, n: number): string {
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

function statePath(host: SimHost): string {
  return join(host.simDir, STATE_FILE);
}

export function loadState(host: SimHost): NvidiaState {
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

export function saveState(host: SimHost, s: NvidiaState): void {
  makeDir(host.simDir);
  writeFileSync(statePath(host), `${JSON.stringify(s)}\n`);
}

export function gpuState(s: NvidiaState, g: VfioGpuProfile): GpuState {
  const st = s.gpus[g.name];
  if (st === undefined) throw new Error(`no driver state for GPU ${g.name}`);
  return st;
}

export function isHeterogeneous(host: SimHost, g: VfioGpuProfile): boolean {
  return gpuState(loadState(host), g).heterogeneous;
}

// ---- the catalogue ----

export function typeById(g: VfioGpuProfile, id: number): VgpuTypeProfile | undefined {
  return g.types.find((t) => t.id === id);
}

/**
 * Where a vGPU of `t` can go on the GPU beside `used`: a free, size-aligned range of the
 * framebuffer (the first, or `wanted` when that one is free). Undefined when none is.
 */
export function placementFor(g: VfioGpuProfile, used: readonly VfState[], t: VgpuTypeProfile, wanted?: number): number | undefined {
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
export function creatableTypes(g: VfioGpuProfile, heterogeneous: boolean, vfs: readonly VfState[]): VgpuTypeProfile[] {
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

/** Every running vGPU on the host (VF address, GPU, type id). */
export function runningVgpus(host: SimHost): Array<{ vf: string; gpu: string; type: number }> {
  return vfioGpus(host).flatMap((g) =>
    vfStates(host, g)
      .filter((v) => v.type !== 0)
      .map((v) => ({ vf: v.address, gpu: g.name, type: v.type })),
  );
}
