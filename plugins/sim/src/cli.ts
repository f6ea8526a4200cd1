// `mdevctl-sim`: build a simulated host, apply a foreign program's sysfs writes, and
// unplug/plug parents. Errors: one line on stderr, exit 1; usage errors exit 2.

import { readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SimulatedKernel } from './kernel.js';
import { isGvtParent } from './gvt.js';
import { FLEET_GPUS, PARENT_NAMES, buildManifest } from './profiles.js';
import { createSimulatedHost, rebootSimulatedHost, type VgpuHostOptions } from './tree.js';
import { VFIO_GPUS } from './vgpu-profiles.js';
import {
  NVIDIA_SMI,
  SRIOV_MANAGE,
  SRIOV_MANAGE_FAULTS,
  nvidiaSmiMain,
  setSriovManageFault,
  sriovManageMain,
  type SriovManageFault,
} from './vgpu-tools.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export const USAGE = `Usage: mdevctl-sim COMMAND ...
A simulated Linux host for mdevctl: sysfs with mdev parents and a kernel that reacts to writes,
and NVIDIA vGPUs on the vendor-specific VFIO framework (no mdev bus) beside them.

Commands:
  init ROOT [--parents P1,P2] [--vgpu] [--vfs-off] [--force] [--gvt-off]
            [--nvidia-delay-ms MS] [--exit-busy-ms MS]
                                        build a simulated host under ROOT (ROOT must be empty
                                        unless --force, which rebuilds sys/ and keeps etc/, usr/);
                                        --gvt-off boots i915 with enable_gvt=N (the GPU shows no types);
                                        --vgpu adds the vendor-VFIO GPUs (below), set up: VFs
                                        enabled, nvidia/ present (--vfs-off: as just booted)
  sync ROOT                             apply writes a foreign program left in plain sysfs files
                                        (create, remove, vfio_ap attributes; css below)
  unplug ROOT PARENT                    unregister PARENT (rmmod / unbind; a GPU: rmmod kvmgt);
                                        its devices go away
  plug ROOT PARENT                      register PARENT again with fresh pools
  reboot ROOT                           reboot: running mdevs and vGPUs, VFs, heterogeneous mode,
                                        /run and the simulated VMs are gone; parents as at boot
  sriov-manage ROOT -e|-d GPU|ALL       enable (idempotent) or disable a GPU's VFs, as NVIDIA's
                                        ROOT/${SRIOV_MANAGE} does;
                                        their nvidia/ dirs appear a little later
  settle ROOT                           make pending nvidia/ dirs appear now
  nvidia-smi ROOT vgpu -q|-shm 0|1 [-i GPU]
                                        a GPU's heterogeneous mode, as ROOT/${NVIDIA_SMI} does
  hold ROOT VF [--comm NAME]            a simulated VM (comm NAME, default qemu-system-x86) opens
                                        the VF's vfio files (ROOT/proc/PID/fd); prints the PID
  release ROOT VF                       that VM exits; the driver stays busy for a moment
  busy ROOT VF MS                       the driver refuses changes to VF for MS milliseconds
  fault ROOT sriov-manage fail|silent|off
                                        the stand-in sriov-manage exits 1 / exits 0 enabling
                                        nothing (vGPU 17.2's bug) / works (kept across reboots)
  --help                                show this help

css subchannels (s390): a subchannel is an mdev parent while bound to vfio_ccw. Writes to
  sys/bus/css/devices/SCH/driver_override, sys/bus/css/drivers/D/unbind and bind, and
  sys/bus/css/drivers_probe work as on Linux, e.g. as driverctl does for 0.0.0314:
    echo vfio_ccw > ROOT/sys/bus/css/devices/0.0.0314/driver_override
    echo 0.0.0314 > ROOT/sys/bus/css/drivers/io_subchannel/unbind
    echo 0.0.0314 > ROOT/sys/bus/css/drivers_probe
    mdevctl-sim sync ROOT                 (applies them: 0.0.0314 is now a vfio_ccw parent)

Parents: ${PARENT_NAMES.join(', ')}
Built only when named with --parents: ${FLEET_GPUS.join(', ')} (four identical mdev vGPU cards)
Vendor-VFIO GPUs (--vgpu, or named with --parents): ${VFIO_GPUS.join(', ')}: 48 GB each,
  16 VFs each; the first time-sliced (one vGPU type at a time), the second heterogeneous.
  A vGPU is made by writing a type id to sys/bus/pci/devices/VF/nvidia/current_vgpu_type;
  a raw write of sriov_numvfs is refused (ENOENT: the errno is a guess).
Then run mdevctl with MDEVCTL_ENV_ROOT=ROOT.
`;

class UsageError extends Error {}

function isNonEmptyDir(path: string): boolean {
  let st;
  try {
    st = statSync(path);
  } catch {
    return false;
  }
  if (!st.isDirectory()) throw new Error(`${path} exists and is not a directory`);
  return readdirSync(path).length > 0;
}

function positional(args: string[], count: number, what: string): string[] {
  const flags = args.filter((a) => a.startsWith('-'));
  if (flags.length > 0) throw new UsageError(`unknown option '${flags[0] ?? ''}'`);
  if (args.length !== count) throw new UsageError(`expected ${what}`);
  return args;
}

function msOption(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || n > 60_000) throw new UsageError(`${name} needs milliseconds (0 to 60000)`);
  return n;
}

function init(args: string[], io: CliIo): number {
  let force = false;
  let gvt = true;
  let vgpu = false;
  const vgpuOptions: VgpuHostOptions = {};
  let parents: string[] | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--force' || a === '-f') force = true;
    else if (a === '--gvt-off') gvt = false;
    else if (a === '--vgpu') vgpu = true;
    else if (a === '--vfs-off') vgpuOptions.vfs = false;
    else if (a === '--nvidia-delay-ms') vgpuOptions.nvidiaDelayMs = msOption(a, args[++i]);
    else if (a === '--exit-busy-ms') vgpuOptions.exitBusyMs = msOption(a, args[++i]);
    else if (a === '--parents' || a.startsWith('--parents=')) {
      const v = a === '--parents' ? args[++i] : a.slice('--parents='.length);
      if (v === undefined || v === '') throw new UsageError('--parents needs a comma-separated list of parents');
      parents = v.split(',').filter((s) => s !== '');
    } else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
    else rest.push(a);
  }
  if (rest.length !== 1) throw new UsageError('expected: init ROOT [--parents P1,P2] [--vgpu] [--force] [--gvt-off]');
  if (vgpu) parents = [...(parents ?? PARENT_NAMES), ...VFIO_GPUS.filter((g) => !(parents ?? []).includes(g))];
  const root = rest[0] ?? '';
  if (!force && isNonEmptyDir(root)) {
    io.stderr(`mdevctl-sim: ${root} is not empty (use --force to rebuild its simulated kernel)\n`);
    return 1;
  }
  const rebuilt = force && isNonEmptyDir(root);
  createSimulatedHost(root, { ...(parents !== undefined ? { parents } : {}), gvt, vgpu: vgpuOptions });
  // One line saying what was made (nothing else is on stdout: scripts may ignore it).
  const manifest = buildManifest(parents);
  const made = manifest.parents;
  const gpus = manifest.vfio?.gpus.map((g) => g.name) ?? [];
  const names = [...made.map((p) => p.name), ...gpus.map((g) => `${g} (vendor-VFIO GPU)`)];
  const gvtOff = !gvt && made.some(isGvtParent);
  const abs = resolve(root);
  const what = rebuilt ? `Rebuilt the simulated host in ${abs} (etc/ and usr/ kept)` : `Created a simulated host in ${abs}`;
  io.stdout(`${what} with parents ${names.join(', ')}${gvtOff ? ' (GVT-g off)' : ''}; use it with MDEVCTL_ENV_ROOT=${abs}\n`);
  return 0;
}

function sync(args: string[], io: CliIo): number {
  const [root = ''] = positional(args, 1, 'sync ROOT');
  let failed = 0;
  for (const r of SimulatedKernel.open(root).sync()) {
    if (r.error !== undefined) {
      failed++;
      io.stderr(`mdevctl-sim: ${r.path}: ${r.error.message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** Runs the command line `args` (without node and script); returns the exit status. */
export function main(args: string[] = process.argv.slice(2), io: CliIo = defaultIo): number {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE);
        return 0;
      case 'init':
        return init(rest, io);
      case 'sync':
        return sync(rest, io);
      case 'unplug': {
        const [root = '', parent = ''] = positional(rest, 2, 'unplug ROOT PARENT');
        SimulatedKernel.open(root).unplugParent(parent);
        return 0;
      }
      case 'plug': {
        const [root = '', parent = ''] = positional(rest, 2, 'plug ROOT PARENT');
        SimulatedKernel.open(root).plugParent(parent);
        return 0;
      }
      case 'reboot': {
        const [root = ''] = positional(rest, 1, 'reboot ROOT');
        rebootSimulatedHost(root);
        return 0;
      }
      case 'settle': {
        const [root = ''] = positional(rest, 1, 'settle ROOT');
        SimulatedKernel.open(root).settle();
        return 0;
      }
      case 'hold': {
        const i = rest.indexOf('--comm');
        const comm = i >= 0 ? rest.splice(i, 2)[1] : undefined;
        if (i >= 0 && (comm === undefined || comm === '')) throw new UsageError('--comm needs a process name');
        const [root = '', vf = ''] = positional(rest, 2, 'hold ROOT VF [--comm NAME]');
        io.stdout(`${SimulatedKernel.open(root).holdVf(vf, comm)}\n`);
        return 0;
      }
      case 'busy': {
        const [root = '', vf = '', ms] = positional(rest, 3, 'busy ROOT VF MS');
        SimulatedKernel.open(root).busyVf(vf, msOption('MS', ms));
        return 0;
      }
      case 'fault': {
        const [root = '', tool = '', fault = ''] = positional(rest, 3, 'fault ROOT sriov-manage fail|silent|off');
        if (tool !== 'sriov-manage' || !SRIOV_MANAGE_FAULTS.includes(fault as SriovManageFault)) {
          throw new UsageError('expected: fault ROOT sriov-manage fail|silent|off');
        }
        setSriovManageFault(SimulatedKernel.open(root).root, fault as SriovManageFault);
        return 0;
      }
      case 'release': {
        const [root = '', vf = ''] = positional(rest, 2, 'release ROOT VF');
        if (SimulatedKernel.open(root).releaseVf(vf) === 0) throw new Error(`no simulated VM holds ${vf}`);
        return 0;
      }
      case 'sriov-manage': {
        const [root, ...tool] = rest;
        if (root === undefined || root.startsWith('-')) throw new UsageError('expected: sriov-manage ROOT -e|-d GPU|ALL');
        return sriovManageMain(SimulatedKernel.open(root), tool, io);
      }
      case 'nvidia-smi': {
        const [root, ...tool] = rest;
        if (root === undefined || root.startsWith('-')) throw new UsageError('expected: nvidia-smi ROOT vgpu ...');
        return nvidiaSmiMain(SimulatedKernel.open(root), tool, io);
      }
      case undefined:
        throw new UsageError('missing command');
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mdevctl-sim: ${e.message} (see mdevctl-sim --help)\n`);
      return 2;
    }
    io.stderr(`mdevctl-sim: ${(e as Error).message}\n`);
    return 1;
  }
}
