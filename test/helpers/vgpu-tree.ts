// A vendor-VFIO host (NVIDIA vGPU 17+: VFs with nvidia/ catalogues, no mdev bus) as plain files
// under a temp root, with mdevctl's dirs: for the black-box tests of the nvidia-vgpu backend where
// the simulator is not needed (a plain tree takes the writes as files: a written id reads back).

import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mdevctl, tempDir } from './cli.js';

export const A16_4Q: readonly [number, string] = [1001, 'NVIDIA A16-4Q'];
export const A16_8Q: readonly [number, string] = [1002, 'NVIDIA A16-8Q'];

export interface VgpuHost {
  readonly root: string;
  /** sys/bus/pci/devices/<address> under the root. */
  dev(address: string, ...rest: string[]): string;
  /** Makes VF `vf` of `pf` with this catalogue (and `current`, default 0). */
  vf(vf: string, pf: string, types: ReadonlyArray<readonly [number, string]>, current?: number): void;
  /** Sets a VF's catalogue (as the driver narrows it when a sibling runs a vGPU). */
  catalogue(vf: string, types: ReadonlyArray<readonly [number, string]>): void;
  current(vf: string): string;
  /** Removes every VF and run/ (a reboot: VFs and vGPUs are gone, definitions stay). */
  reboot(vfs: readonly string[]): void;
  cleanup(): void;
}

export function vgpuHost(): VgpuHost {
  const { dir: root, cleanup } = tempDir('mdevctl-vgpu-');
  const r = mdevctl(root, 'install-system-files');
  if (r.status !== 0) throw new Error(r.stderr);
  const dev = (address: string, ...rest: string[]) => join(root, 'sys/bus/pci/devices', address, ...rest);
  const catalogue = (vf: string, types: ReadonlyArray<readonly [number, string]>) =>
    writeFileSync(dev(vf, 'nvidia/creatable_vgpu_types'), `ID    : vGPU Name\n${types.map(([id, name]) => `${id} : ${name}\n`).join('')}`);
  return {
    root,
    dev,
    vf(vf, pf, types, current = 0) {
      mkdirSync(dev(pf), { recursive: true });
      mkdirSync(dev(vf, 'nvidia'), { recursive: true });
      mkdirSync(dev(vf, 'vfio-dev', `vfio${vf.slice(-1)}`), { recursive: true });
      try {
        symlinkSync(`../${pf}`, dev(vf, 'physfn'));
      } catch {
        // there already
      }
      catalogue(vf, types);
      writeFileSync(dev(vf, 'nvidia/current_vgpu_type'), `${current}\n`);
    },
    catalogue,
    current: (vf) => {
      try {
        return readFileSync(dev(vf, 'nvidia/current_vgpu_type'), 'utf8').trim();
      } catch {
        return 'absent';
      }
    },
    reboot(vfs) {
      for (const v of vfs) rmSync(dev(v), { recursive: true, force: true });
      rmSync(join(root, 'run'), { recursive: true, force: true });
    },
    cleanup,
  };
}

