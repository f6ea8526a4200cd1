// A vendor-VFIO host as plain files under a temp root, for the plugin's own tests: PFs with VFs
// (physfn links, nvidia/ catalogues and current types, vfio-dev), and a /proc with fd links.

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HEADER = 'ID    : vGPU Name\n';

export function catalogue(entries: ReadonlyArray<readonly [number, string]>): string {
  return HEADER + entries.map(([id, name]) => `${id} : ${name}\n`).join('');
}

export interface VfSpec {
  readonly vf: string;
  readonly pf: string;
  readonly types: ReadonlyArray<readonly [number, string]>;
  readonly current?: number;
  readonly vfio?: number;
}

export function makeRoot(vfs: readonly VfSpec[]): string {
  const root = mkdtempSync(join(tmpdir(), 'nvidia-vgpu-'));
  const base = join(root, 'sys/bus/pci/devices');
  mkdirSync(base, { recursive: true });
  for (const pf of new Set(vfs.map((v) => v.pf))) {
    mkdirSync(join(base, pf), { recursive: true });
    writeFileSync(join(base, pf, 'sriov_numvfs'), String(vfs.filter((v) => v.pf === pf).length));
  }
  for (const v of vfs) writeVf(root, v);
  return root;
}

export function writeVf(root: string, v: VfSpec): void {
  const dir = join(root, 'sys/bus/pci/devices', v.vf);
  mkdirSync(join(dir, 'nvidia'), { recursive: true });
  try {
    symlinkSync(`../${v.pf}`, join(dir, 'physfn'));
  } catch {
    // already there
  }
  writeFileSync(join(dir, 'nvidia/creatable_vgpu_types'), catalogue(v.types));
  writeFileSync(join(dir, 'nvidia/current_vgpu_type'), `${v.current ?? 0}\n`);
  writeFileSync(join(dir, 'nvidia/vgpu_params'), '');
  if (v.vfio !== undefined) mkdirSync(join(dir, 'vfio-dev', `vfio${v.vfio}`), { recursive: true });
}

/** A process `pid` named `comm` holding `target` open (as /proc/<pid>/fd/<n> -> target). */
export function holdOpen(root: string, pid: number, comm: string, target: string): void {
  mkdirSync(join(root, 'proc', String(pid), 'fd'), { recursive: true });
  writeFileSync(join(root, 'proc', String(pid), 'comm'), `${comm}\n`);
  symlinkSync(target, join(root, 'proc', String(pid), 'fd', '7'));
}
