// Stand-ins for NVIDIA's host tools on a simulated root with vendor-VFIO GPUs, installed where the
// real ones live: ROOT/usr/lib/nvidia/sriov-manage (-e|-d PF|ALL) and ROOT/usr/bin/nvidia-smi
// (only `vgpu -q` and `vgpu -shm 0|1`, the heterogeneous mode). Each is a two-line sh script that
// runs `mdevctl-sim sriov-manage|nvidia-smi ROOT ARGS…` with this node; no shell evaluates data.

import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimulatedKernel } from './kernel.js';
import { isHeterogeneous, vfioGpus } from './vgpu.js';
import { SIM_DIR, type SimHost } from './host.js';
import type { VfioGpuProfile } from './vgpu-profiles.js';

export const SRIOV_MANAGE = 'usr/lib/nvidia/sriov-manage';
export const NVIDIA_SMI = 'usr/bin/nvidia-smi';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

function shQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

function script(command: string, root: string): string {
  return (
    `#!/bin/sh\n# Stand-in for NVIDIA's ${command} on the simulated host ${root} (mdevctl-sim).\n` +
    `exec ${shQuote(process.execPath)} ${shQuote(BIN)} ${command} ${shQuote(root)} "$@"\n`
  );
}

/** Writes the stand-in tools under the (absolute) root. */
export function installVgpuTools(root: string): void {
  for (const [rel, command] of [
    [SRIOV_MANAGE, 'sriov-manage'],
    [NVIDIA_SMI, 'nvidia-smi'],
  ] as const) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, script(command, root));
    chmodSync(path, 0o755);
  }
}

export interface ToolIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * How the stand-in sriov-manage misbehaves (kept across reboots, in .mdev-sim/faults.json):
 * `fail` exits 1 with a line on stderr, `silent` exits 0 and enables nothing (vGPU 17.2's bug,
 * NVIDIA/gpu-driver-container #29), `off` works.
 */
export type SriovManageFault = 'fail' | 'silent' | 'off';
export const SRIOV_MANAGE_FAULTS: readonly SriovManageFault[] = ['fail', 'silent', 'off'];

function faultsFile(root: string): string {
  return join(root, SIM_DIR, 'faults.json');
}

export function sriovManageFault(root: string): SriovManageFault {
  try {
    const f = (JSON.parse(readFileSync(faultsFile(root), 'utf8')) as { 'sriov-manage'?: unknown })['sriov-manage'];
    return SRIOV_MANAGE_FAULTS.includes(f as SriovManageFault) ? (f as SriovManageFault) : 'off';
  } catch {
    return 'off';
  }
}

export function setSriovManageFault(root: string, fault: SriovManageFault): void {
  writeFileSync(faultsFile(root), `${JSON.stringify({ 'sriov-manage': fault })}\n`);
}

/** sriov-manage -e|-d <PF address|ALL>: exit 0, or 1 with one line on stderr. */
export function sriovManageMain(kernel: SimulatedKernel, args: readonly string[], io: ToolIo): number {
  const [flag, target, ...rest] = args;
  if ((flag !== '-e' && flag !== '-d') || target === undefined || rest.length > 0) {
    io.stderr('usage: sriov-manage <-e|-d> <ssss:bb:dd.f|ALL>\n');
    return 1;
  }
  const fault = sriovManageFault(kernel.root);
  if (fault === 'fail') {
    io.stderr(`sriov-manage: Cannot obtain unbindLock for ${target} (simulated failure)\n`);
    return 1;
  }
  if (fault === 'silent') return 0;
  try {
    for (const line of kernel.sriovManage(flag === '-e', target)) io.stdout(`${line}\n`);
    return 0;
  } catch (e) {
    io.stderr(`sriov-manage: ${(e as Error).message}\n`);
    return 1;
  }
}

/** nvidia-smi's form of a PCI address: 8-digit domain, upper case. */
function smiAddress(g: VfioGpuProfile): string {
  return `0000${g.name}`.toUpperCase();
}

function gpusOf(host: SimHost, id: string | undefined): VfioGpuProfile[] {
  const gpus = vfioGpus(host);
  if (id === undefined) return gpus;
  const byIndex = /^\d+$/.test(id) ? gpus[Number(id)] : undefined;
  const byAddress = gpus.find((g) => g.name === id.toLowerCase() || smiAddress(g) === id.toUpperCase());
  const g = byIndex ?? byAddress;
  if (g === undefined) throw new Error(`No GPU with id ${id}`);
  return [g];
}

/**
 * nvidia-smi vgpu -q [-i GPU] (each GPU's heterogeneous mode) and vgpu -shm 0|1 [-i GPU]. The
 * output wording is a GUESS, not the real tool's; -i takes an index or a PCI address.
 */
export function nvidiaSmiMain(kernel: SimulatedKernel, args: readonly string[], io: ToolIo): number {
  const a = [...args];
  const take = (flag: string): string | undefined | null => {
    const i = a.indexOf(flag);
    if (i < 0) return undefined;
    const v = a[i + 1];
    a.splice(i, 2);
    return v ?? null;
  };
  if (a.shift() !== 'vgpu') return usage(io);
  const id = take('-i');
  const shm = take('-shm');
  const query = a.indexOf('-q') >= 0 ? a.splice(a.indexOf('-q'), 1) : [];
  if (id === null || shm === null || a.length > 0 || (shm === undefined) === (query.length === 0)) return usage(io);
  try {
    const gpus = gpusOf(kernel.host, id);
    if (shm === undefined) {
      for (const g of gpus) {
        const mode = isHeterogeneous(kernel.host, g) ? 'Enabled' : 'Disabled';
        io.stdout(`GPU ${smiAddress(g)}\n    vGPU Heterogeneous Mode           : ${mode}\n`);
      }
      return 0;
    }
    if (shm !== '0' && shm !== '1') return usage(io);
    for (const g of gpus) {
      kernel.setVgpuMode(g.name, shm === '1');
      io.stdout(`${shm === '1' ? 'Enabled' : 'Disabled'} vGPU heterogeneous mode for GPU ${smiAddress(g)}.\n`);
    }
    return 0;
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 1;
  }
}

function usage(io: ToolIo): number {
  io.stderr('nvidia-smi (mdevctl-sim stand-in): only `vgpu -q [-i GPU]` and `vgpu -shm 0|1 [-i GPU]` are simulated\n');
  return 2;
}
