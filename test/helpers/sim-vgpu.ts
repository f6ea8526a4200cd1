// A fresh simulated host with the vendor-VFIO GPUs (two 48 GB GPUs, 16 VFs each; 0000:c1:00.0
// time-sliced, 0000:c2:00.0 heterogeneous) beside mdev parents, and what tests do to it: read a
// VF's nvidia/ files, write them through the simulated kernel, run the stand-in tools, wait
// (bounded) for what the driver does late.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSimulatedHost, SimulatedKernel, vfAddress, VFIO_GPU_PROFILES, type VgpuHostOptions } from '@mdevctl/plugin-sim';
import { tempDir } from './cli.js';

export const GPU_TS = '0000:c1:00.0';
export const GPU_HET = '0000:c2:00.0';

/** The address of VF `n` (0-based) of a simulated GPU. */
export function vf(gpu: string, n: number): string {
  const g = VFIO_GPU_PROFILES.find((x) => x.name === gpu);
  if (g === undefined) throw new Error(`no simulated GPU ${gpu}`);
  return vfAddress(g, n);
}

export interface VgpuHost {
  root: string;
  kernel: SimulatedKernel;
  cleanup: () => void;
  /** ROOT/sys/bus/pci/devices/<address>/<rel> */
  pci: (address: string, rel?: string) => string;
  /** A VF's nvidia/<file> text ('' when it does not exist). */
  nvidia: (vfAddr: string, file: string) => string;
  /** The ids a VF's creatable_vgpu_types lists (header skipped). */
  catalogue: (vfAddr: string) => number[];
  /** Writes a VF's nvidia/<file> through the simulated kernel (throws its errno error). */
  writeNvidia: (vfAddr: string, file: string, data: string) => void;
  /** Runs a stand-in tool under the root (usr/lib/nvidia/sriov-manage, usr/bin/nvidia-smi). */
  tool: (rel: string, args: string[]) => string;
}

/** parents default to mtty beside both GPUs; vgpu options as createSimulatedHost's. */
export function vgpuHost(options: { parents?: string[]; vgpu?: VgpuHostOptions } = {}): VgpuHost {
  const { dir: root, cleanup } = tempDir('mdevctl-vgpu-');
  createSimulatedHost(root, { parents: options.parents ?? ['mtty', GPU_TS, GPU_HET], vgpu: { nvidiaDelayMs: 0, ...options.vgpu } });
  const kernel = SimulatedKernel.open(root);
  const pci = (address: string, rel = ''): string => join(root, 'sys/bus/pci/devices', address, rel);
  const nvidia = (a: string, file: string): string => {
    const p = pci(a, `nvidia/${file}`);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  };
  return {
    root,
    kernel,
    cleanup,
    pci,
    nvidia,
    catalogue: (a) =>
      nvidia(a, 'creatable_vgpu_types')
        .split('\n')
        .slice(1)
        .filter((l) => l !== '')
        .map((l) => Number(l.split(' : ')[0])),
    writeNvidia: (a, file, data) => kernel.write(pci(a, `nvidia/${file}`), data),
    tool: (rel, args) => execFileSync(join(root, rel), args, { encoding: 'utf8', timeout: 20_000 }),
  };
}

/** Waits until `check` holds, polling every 20 ms, for at most `boundMs`; throws after. */
export async function until(what: string, check: () => boolean, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${boundMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
