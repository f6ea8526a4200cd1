// Enabling a PF's VFs, when the admin allowed it (option enableVfs): `sriov-manage -e <PF>` (the
// driver's tool: a raw write of sriov_numvfs is refused by the driver), bounded by a timeout, its
// output kept to one line, and sriov_numvfs re-read afterwards — a zero exit is no proof. Never
// through a shell: the PF address is checked and passed as one argument.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isPciAddress, pciDir } from './pci.js';
import { readBounded } from './scan.js';

export interface SriovOptions {
  readonly sriovManage: string;
  readonly timeoutMs: number;
}

/** The PF's sriov_numvfs, or undefined when it has none (no SR-IOV PF). */
export function numVfs(root: string, pf: string): number | undefined {
  const t = readBounded(join(root, pciDir(pf), 'sriov_numvfs'), 32)?.trim();
  return t !== undefined && /^\d{1,6}$/.test(t) ? Number(t) : undefined;
}

function oneLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop() ?? '';
  return line.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 200);
}

/**
 * Runs `sriov-manage -e <pf>` when the PF has no VFs; returns what happened in words, throws one
 * line when it failed (not run, timed out, non-zero exit, or still no VFs after it).
 */
export function enableVfs(root: string, pf: string, options: SriovOptions): string {
  if (!isPciAddress(pf)) throw new Error(`Not enabling VFs of '${pf}': not a PCI address`);
  const before = numVfs(root, pf);
  if (before === undefined) throw new Error(`Not enabling VFs of ${pf}: it has no sriov_numvfs (no SR-IOV physical function)`);
  if (before > 0) return `${pf} has ${before} VFs already`;
  const what = `${options.sriovManage} -e ${pf}`;
  const r = spawnSync(options.sriovManage, ['-e', pf], {
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024,
    encoding: 'utf8',
  });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') throw new Error(`${what} did not finish within ${options.timeoutMs} ms (killed)`);
    throw new Error(`${what} could not run: ${code === 'ENOENT' ? 'no such program (set the nvidia-vgpu option sriovManage)' : r.error.message}`);
  }
  if (r.status !== 0) {
    const said = oneLine(r.stderr ?? '') || oneLine(r.stdout ?? '');
    throw new Error(`${what} ${r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`}${said ? `: ${said}` : ''}`);
  }
  const after = numVfs(root, pf) ?? 0;
  if (after === 0) throw new Error(`${what} exited 0 but ${pf} still has 0 VFs (sriov_numvfs)`);
  return `${what}: ${after} VFs`;
}
