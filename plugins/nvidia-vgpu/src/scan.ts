// Reads a vendor-VFIO host under the environment root: the VFs that are vGPU parents (a
// `nvidia/creatable_vgpu_types` file and no `mdev_supported_types`: an mdev-era GPU stays the mdev
// bus's), their physical GPU (`physfn`), catalogue and current type, and the uuid each running
// vGPU has (recorded by mdevctl, else derived from the VF's address). Every read is bounded and a
// file that cannot be read leaves the VF out or unknown, never fails the run. Results are kept
// until `forget()` (after each write of ours), so a listing reads each file once.

import { existsSync, lstatSync, readdirSync, readlinkSync, openSync, readSync, closeSync, constants } from 'node:fs';
import { basename, join } from 'node:path';
import { MAX_CATALOGUE_BYTES, parseCatalogue, parseCurrentType } from './catalogue.js';
import { byGpu, type VfState } from './gpu.js';
import { mergeNames } from './names.js';
import { isPciAddress, pciDir } from './pci.js';
import { derivedUuid } from './uuid.js';
import { readMapped } from './uuid-map.js';

/** Reads at most `max` bytes of a file; undefined when it cannot be read. */
export function readBounded(path: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    while (n < max) {
      const got = readSync(fd, buf, n, max - n, null);
      if (got <= 0) break;
      n += got;
    }
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A running vGPU: its VF, type id and uuid (and whether mdevctl recorded that uuid). */
export interface RunningVgpu {
  readonly vf: string;
  readonly gpu: string;
  readonly id: number;
  readonly uuid: string;
  readonly recorded: boolean;
}

/** True when `dir` (a PCI device dir) is a vendor-VFIO vGPU parent. */
export function isVgpuVf(dir: string): boolean {
  return existsSync(join(dir, 'nvidia', 'creatable_vgpu_types')) && !existsSync(join(dir, 'mdev_supported_types'));
}

/** True when any PCI device under the root is a vGPU parent (the provider's cheap detection). */
export function hasVgpuVfs(root: string): boolean {
  const base = join(root, 'sys/bus/pci/devices');
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return false;
  }
  return names.some((n) => isPciAddress(n) && isVgpuVf(join(base, n)));
}

export class VgpuScan {
  private vfList: string[] | undefined;
  private readonly states = new Map<string, VfState>();

  constructor(readonly root: string) {}

  /** Drops what was read (after a write). */
  forget(): void {
    this.vfList = undefined;
    this.states.clear();
  }

  /** The VF parents' addresses, sorted. */
  vfs(): string[] {
    if (this.vfList === undefined) {
      const base = join(this.root, 'sys/bus/pci/devices');
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        names = [];
      }
      this.vfList = names.filter((n) => isPciAddress(n) && isVgpuVf(join(base, n))).sort();
    }
    return this.vfList;
  }

  /**
   * True when `name` is a vGPU parent. A VF not seen by the last listing is looked at again (its
   * `nvidia/` appears a little after the VF: a caller waiting for it must see it come).
   */
  isVf(name: string): boolean {
    if (this.vfs().includes(name)) return true;
    if (!isPciAddress(name) || !isVgpuVf(join(this.root, pciDir(name)))) return false;
    this.forget();
    return true;
  }

  /** A VF's state, or undefined when it is no vGPU parent. */
  state(vf: string): VfState | undefined {
    if (!this.isVf(vf)) return undefined;
    let s = this.states.get(vf);
    if (s === undefined) {
      const dir = join(this.root, pciDir(vf));
      const text = readBounded(join(dir, 'nvidia', 'creatable_vgpu_types'), MAX_CATALOGUE_BYTES);
      s = {
        vf,
        gpu: physfn(dir) ?? vf,
        catalogue: text === undefined ? undefined : parseCatalogue(text),
        current: parseCurrentType(readBounded(join(dir, 'nvidia', 'current_vgpu_type'), 32)),
      };
      this.states.set(vf, s);
    }
    return s;
  }

  all(): VfState[] {
    return this.vfs().map((v) => this.state(v)).filter((s): s is VfState => s !== undefined);
  }

  /** The VFs of the physical GPU `gpu`. */
  siblings(gpu: string): VfState[] {
    return this.all().filter((s) => s.gpu === gpu);
  }

  gpuOf(vf: string): string | undefined {
    return this.state(vf)?.gpu;
  }

  /** id → full name over the GPU's VFs. */
  names(gpu: string): Map<number, string> {
    return mergeNames(this.siblings(gpu).map((s) => s.catalogue));
  }

  gpus(): Map<string, VfState[]> {
    return byGpu(this.all());
  }

  /** Every running vGPU, sorted by uuid. */
  running(): RunningVgpu[] {
    const out: RunningVgpu[] = [];
    for (const s of this.all()) {
      if (s.current === undefined || s.current === 0) continue;
      const mapped = readMapped(this.root, s.vf);
      const recorded = mapped !== undefined && mapped.id === s.current;
      out.push({ vf: s.vf, gpu: s.gpu, id: s.current, uuid: recorded ? mapped.uuid : derivedUuid(s.vf), recorded });
    }
    return out.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  }
}

/** The PF address a VF's `physfn` link names, or undefined. */
export function physfn(dir: string): string | undefined {
  try {
    if (!lstatSync(join(dir, 'physfn')).isSymbolicLink()) return undefined;
    const pf = basename(readlinkSync(join(dir, 'physfn')));
    return isPciAddress(pf) ? pf : undefined;
  } catch {
    return undefined;
  }
}
