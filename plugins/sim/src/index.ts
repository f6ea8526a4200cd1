// @mdevctl/plugin-sim: a simulated mdev host, with NVIDIA vGPUs on the vendor-specific VFIO
// framework beside the mdev parents when asked. Build a tree (createSimulatedHost), drive it like
// a kernel (SimulatedKernel), reboot it, the static profiles behind both, and the sysfs backend
// and writer mdevctl loads on a simulated host (sysfsBackend, sysfsWriter; core imports this
// package only then).

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
export { CATALOGUE_HEADER, formatCatalogue, runningVgpus, vfioPathsOf } from './vgpu.js';
export { SRIOV_MANAGE, NVIDIA_SMI } from './vgpu-tools.js';
export { sysError, kstrtoul, type SysError, type SimErrnoCode } from './errno.js';
export { formatMask, parseMaskHex, formatMatrix, AP_BITS } from './vfio-ap.js';
export { main } from './cli.js';

/**
 * Writes one sysfs file of a simulated root through its simulated kernel, as `echo -n data >
 * path` would (throws the node errno error the kernel's refusal gives): the write path of any
 * backend that is not the mdev bus (e.g. a VF's nvidia/current_vgpu_type, a PF's sriov_numvfs).
 */
export function sysfsWriter(root: string): (path: string, data: string) => void {
  const kernel = SimulatedKernel.open(root);
  return (path, data) => kernel.write(path, data);
}

/** The sysfs backend of a simulated root (core's composition root calls this). */
export function sysfsBackend(root: string): SysfsBackend {
  return SimulatedKernel.backend(root);
}
