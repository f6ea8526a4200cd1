// @mdevctl/plugin-sim: a simulated mdev host, with NVIDIA vGPUs on the vendor-specific VFIO
// framework beside the mdev parents when asked. Build a tree (createSimulatedHost), drive it like
// a kernel (SimulatedKernel), reboot it, the static profiles behind both, and the sysfs writes
// mdevctl makes on a simulated host (sysfsWrite: every backend's changes — an mdev's create, a
// VF's nvidia/current_vgpu_type — go to the simulated kernel; core imports this package only
// then, on the first change).

import type { SysfsBackend } from '@mdevctl/plugin-sdk';
import { SimulatedKernel } from './kernel.js';

export {
  createSimulatedHost,
  rebootSimulatedHost,
  RELEASED_ADAPTERS,
  RELEASED_DOMAINS,
  type SimulatedHostOptions,
  type VgpuHostOptions,
} from './tree.js';
export { SimulatedKernel, type SyncResult } from './kernel.js';
export { SimHost, SIM_DIR, MANIFEST_FILE, UEVENT_LOG, type Uevent, type ActiveMdev } from './host.js';
export {
  DRIVER_PROFILES,
  PARENT_PROFILES,
  PARENT_NAMES,
  FLEET_GPUS,
  buildManifest,
  type DriverProfile,
  type ParentProfile,
  type TypeProfile,
  type SimManifest,
  type ExhaustionErrno,
  type ApBusOptions,
  type BootOptions,
} from './profiles.js';
export {
  VFIO_GPU_PROFILES,
  VFIO_GPUS,
  DEFAULT_VGPU_TIMING,
  vfAddress,
  type VfioGpuProfile,
  type VgpuTypeProfile,
  type VgpuTiming,
} from './vgpu-profiles.js';
export { CATALOGUE_HEADER, formatCatalogue, runningVgpus } from './vgpu.js';
export { vfioPathsOf } from './vgpu-vms.js';
export { SRIOV_MANAGE, NVIDIA_SMI } from './vgpu-tools.js';
export { sysError, kstrtoul, type SysError, type SimErrnoCode } from './errno.js';
export { formatMask, parseMaskHex, formatMatrix, AP_BITS } from './vfio-ap.js';
export { main } from './cli.js';

/** The mdev bus's write side on a simulated root. */
export function sysfsBackend(root: string): SysfsBackend {
  return SimulatedKernel.backend(root);
}

/** `echo -n data > path` on a simulated root, as its kernel reacts (core opens this for every backend's changes). */
export function sysfsWrite(root: string): (path: string, data: string) => void {
  const kernel = SimulatedKernel.open(root);
  return (path, data) => kernel.write(path, data);
}
