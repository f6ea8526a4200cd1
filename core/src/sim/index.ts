// The built-in simulated host: build a tree (createSimulatedHost), drive it like a kernel
// (SimulatedKernel), and the static profiles behind both.

export { createSimulatedHost, RELEASED_ADAPTERS, RELEASED_DOMAINS, type SimulatedHostOptions, type ApBusOptions } from './tree.js';
export { SimulatedKernel, type SyncResult } from './kernel.js';
export { SimHost, SIM_DIR, MANIFEST_FILE, UEVENT_LOG, type Uevent, type ActiveMdev } from './host.js';
export {
  DRIVER_PROFILES,
  PARENT_PROFILES,
  PARENT_NAMES,
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
