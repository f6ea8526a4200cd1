// Builds a simulated host under a root: the mdevctl dirs, a freshly "booted" sysfs with the
// chosen parents, the AP bus masks, and the manifest that makes core use the simulated kernel.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODE_RO, MODE_RW, MODE_WO, makeDir, putFile, removeTree } from './fsops.js';
import { MANIFEST_FILE, SIM_DIR, SimHost, UEVENT_LOG, simKernelLock } from './host.js';
import { buildBusDriver, buildParentDevice, registerParent } from './parents.js';
import { buildManifest, type ApBusOptions, type BootOptions, type SimManifest } from './profiles.js';
import { vfioGpus } from './vgpu.js';
import { buildPf, enableVfs, setHeterogeneous } from './vgpu-sriov.js';
import { installVgpuTools } from './vgpu-tools.js';
import { buildGvtModules, isGvtParent } from './gvt.js';
import { AP_BITS, formatMask } from './vfio-ap.js';

export interface SimulatedHostOptions {
  /** Names of the parents to build (default: all of PARENT_NAMES); VFIO_GPUS names add those GPUs. */
  parents?: string[];
  /** The AP bus of a host with a vfio_ap parent (default: RELEASED_* and 255 as the highest ids). */
  ap?: ApBusOptions;
  /** i915 booted with GVT-g on (`i915.enable_gvt=1`, the default); off: the GPU registers no types. */
  gvt?: boolean;
  /** The vendor-VFIO GPUs (when parents names some): their set-up and the driver's timing. */
  vgpu?: VgpuHostOptions;
}

export interface VgpuHostOptions {
  /** Built as after the host's set-up (default): VFs enabled, nvidia/ present, modes set. Off: as just booted. */
  vfs?: boolean;
  nvidiaDelayMs?: number;
  exitBusyMs?: number;
}

/** Adapters and usage domains released from the host to vfio_ap (cleared in apmask/aqmask). */
export const RELEASED_ADAPTERS: readonly number[] = [0x05, 0x06];
export const RELEASED_DOMAINS: readonly number[] = [0x04, 0x47, 0xab, 0xff];

function hostMask(released: readonly number[]): string {
  const bits = new Set<number>();
  for (let i = 0; i < AP_BITS; i++) if (!released.includes(i)) bits.add(i);
  return `${formatMask(bits)}\n`;
}

function buildApBus(host: SimHost, opts: ApBusOptions = {}): void {
  const ap = host.sysPath('bus/ap');
  putFile(join(ap, 'ap_max_adapter_id'), `${opts.maxAdapter ?? 255}\n`, MODE_RO);
  putFile(join(ap, 'ap_max_domain_id'), `${opts.maxDomain ?? 255}\n`, MODE_RO);
  putFile(join(ap, 'apmask'), hostMask(opts.releasedAdapters ?? RELEASED_ADAPTERS), MODE_RW);
  putFile(join(ap, 'aqmask'), hostMask(opts.releasedDomains ?? RELEASED_DOMAINS), MODE_RW);
}

/** The dirs every booted host has under the root (kept by a rebuild). */
function makeHostDirs(abs: string): void {
  for (const dir of [
    'etc/mdevctl.d/scripts.d/callouts',
    'etc/mdevctl.d/scripts.d/notifiers',
    'usr/lib/mdevctl/scripts.d/callouts',
    'usr/lib/mdevctl/scripts.d/notifiers',
    'run/lock', // as on every booted host (s390-tools' AP lock lives there)
  ]) {
    makeDir(join(abs, dir));
  }
  // mdevctl's own run dir (host/run-dir.ts), as its first mutating command leaves it: 0700, ours.
  if (!existsSync(join(abs, 'run/mdevctl'))) mkdirSync(join(abs, 'run/mdevctl'), { mode: 0o700 });
  makeDir(join(abs, SIM_DIR));
}

/**
 * Builds (or rebuilds: the old sys/ and .mdev-sim/ are replaced, etc/ and usr/ kept) a
 * simulated host under `root`. Throws on an unknown parent name.
 */
export function createSimulatedHost(root: string, options: SimulatedHostOptions = {}): void {
  const abs = resolve(root);
  const v = options.vgpu ?? {};
  const manifest = buildManifest(options.parents, {
    ...(v.nvidiaDelayMs !== undefined ? { nvidiaDelayMs: v.nvidiaDelayMs } : {}),
    ...(v.exitBusyMs !== undefined ? { exitBusyMs: v.exitBusyMs } : {}),
  });
  const gvt = options.gvt !== false;
  for (const p of manifest.parents) if (isGvtParent(p) && !gvt) p.registered = false;
  manifest.boot = { gvt, ...(options.ap !== undefined ? { ap: options.ap } : {}) };
  makeHostDirs(abs);
  simKernelLock(join(abs, SIM_DIR)).run(() => {
    bootTree(abs, manifest, v.vfs !== false);
    if (manifest.vfio !== undefined) installVgpuTools(abs);
  });
}

/**
 * A reboot of a simulated host: sysfs as at boot (running mdevs and vGPUs gone, parents as
 * built, the vendor-VFIO GPUs without VFs until sriov-manage -e, heterogeneous mode off), and the
 * tmpfs /run and the simulated VMs (ROOT/proc) emptied. etc/ and usr/ are kept.
 */
export function rebootSimulatedHost(root: string): void {
  const abs = resolve(root);
  const manifest = SimHost.load(abs).manifest;
  simKernelLock(join(abs, SIM_DIR)).run(() => {
    removeTree(join(abs, 'proc'));
    removeTree(join(abs, 'run'));
    makeHostDirs(abs);
    bootTree(abs, manifest, false);
  });
}

/** sys/ and .mdev-sim/ of a freshly booted host (then set up, when `setUp`): under the kernel lock. */
function bootTree(abs: string, manifest: SimManifest, setUp: boolean): void {
  const boot: BootOptions = manifest.boot ?? { gvt: true };
  removeTree(join(abs, SIM_DIR, MANIFEST_FILE));
  removeTree(join(abs, 'sys'));
  removeTree(join(abs, SIM_DIR, 'tmp'));
  removeTree(join(abs, SIM_DIR, 'nvidia.json'));
  const host = new SimHost(abs, manifest);
  for (const dir of ['bus/mdev/devices', 'bus/mdev/drivers', 'class/mdev_bus', 'kernel/iommu_groups', 'devices']) {
    makeDir(host.sysPath(dir));
  }
  putFile(host.sysPath('bus/mdev/drivers_autoprobe'), '1\n', MODE_RW);
  putFile(host.sysPath('bus/mdev/drivers_probe'), '', MODE_WO);
  putFile(host.sysPath('bus/mdev/uevent'), '', MODE_WO);
  if (manifest.parents.some((p) => p.driver === 'vfio_ap')) buildApBus(host, boot.ap);
  if (manifest.parents.some(isGvtParent)) buildGvtModules(host, boot.gvt);
  for (const p of manifest.parents) {
    if (p.registersWith !== undefined) buildBusDriver(host, p.registersWith);
    if (p.boundTo?.startsWith('bus/css/') === true) buildBusDriver(host, p.boundTo);
  }
  for (const p of manifest.parents) {
    if (p.module && !p.registered) continue;
    buildParentDevice(host, p);
    if (p.registered) registerParent(host, p);
  }
  for (const g of vfioGpus(host)) {
    buildPf(host, g);
    if (!setUp) continue;
    enableVfs(host, g, true);
    if (g.heterogeneous) setHeterogeneous(host, g, true);
  }
  writeFileSync(join(abs, SIM_DIR, UEVENT_LOG), '');
  // Last, so a half-built tree is never taken for a simulated host.
  writeFileSync(join(abs, SIM_DIR, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
