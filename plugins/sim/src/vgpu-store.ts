// The store functions of the simulated NVIDIA driver: writes to a VF's nvidia/current_vgpu_type,
// placement_id, gpu_instance_id and vgpu_params, and to a PF's sriov_numvfs.
//
// Every errno returned below, beyond the kernel's own sriov_numvfs checks, is a GUESS: no driver
// source is public; each is marked where it is chosen.

import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { kstrtoul, type SimErrnoCode } from './errno.js';
import { MODE_RW, replaceFile } from './fsops.js';
import type { SimHost } from './host.js';
import type { VfioGpuProfile } from './vgpu-profiles.js';
import { isHeterogeneous, numVfs, pfDir, placementFor, refreshCatalogues, typeById, vfioGpus, vfStates, type VfState } from './vgpu.js';
import { isBusy } from './vgpu-vms.js';

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
