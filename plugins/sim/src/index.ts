// @mdevctl/plugin-sim: a simulated mdev host. Build a tree (createSimulatedHost), drive it like
// a kernel (SimulatedKernel), the static profiles behind both, and the sysfs backend mdevctl
// loads on a simulated host (sysfsBackend; core imports this package only then).

import type { SysfsBackend } from '@mdevctl/plugin-sdk';
import { SimulatedKernel } from './kernel.js';

export { createSimulatedHost, RELEASED_ADAPTERS, RELEASED_DOMAINS, type SimulatedHostOptions, type ApBusOptions } from './tree.js';
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
} from './profiles.js';
export { sysError, kstrtoul, type SysError, type SimErrnoCode } from './errno.js';
export { formatMask, parseMaskHex, formatMatrix, AP_BITS } from './vfio-ap.js';
export { main } from './cli.js';

/** The sysfs backend of a simulated root (core's composition root calls this). */
export function sysfsBackend(root: string): SysfsBackend {
  return SimulatedKernel.backend(root);
}
