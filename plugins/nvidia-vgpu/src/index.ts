// Built-in plugin for NVIDIA vGPUs on SR-IOV virtual functions (the vendor-specific VFIO framework
// of the vGPU 17+ host driver on kernels ≥ 6.8, where there is no mdev bus): a device backend
// whose parents are the VFs, with checks per physical GPU. See ../README.md and docs/NVIDIA-VGPU.md.

import type { MdevctlPlugin, PluginConfiguration } from '@mdevctl/plugin-sdk';
import { DEFAULT_SRIOV_MANAGE, DEFAULT_SRIOV_MANAGE_TIMEOUT_MS, DEFAULT_STOP_BUSY_WAIT_MS, NvidiaVgpuPlugin, type NvidiaVgpuOptions } from './plugin.js';

export { NvidiaVgpuPlugin, VGPU_CLAIM, VGPU_TYPE, type NvidiaVgpuOptions } from './plugin.js';
export { PLUGIN_NAME } from './checks.js';
export { NvidiaVgpuBackend, BACKEND_NAME, WATCH_INTERVAL_MS } from './backend.js';
export { parseCatalogue, parseCurrentType, type CatalogueEntry } from './catalogue.js';
export { typeName, typeId, shortName, mergeNames, isMigBacked } from './names.js';
export { derivedUuid, uuidV5 } from './uuid.js';
export { vfTypes, freeVfsListing, byGpu, type VfState, type VfType } from './gpu.js';
export { gpuMode, mixProblems, parseHeterogeneousOption, type GpuMode } from './mixing.js';
export { explainVgpuRefusal } from './refusals.js';
export { vfioHolder, vfioFiles } from './holders.js';
export { UUID_MAP_DIR, readMapped, writeMapped, forgetMapped } from './uuid-map.js';
export { VgpuScan, hasVgpuVfs } from './scan.js';
export { enableVfs, numVfs } from './sriov.js';

/** The options the plugin takes from the configuration file. */
export const configuration: PluginConfiguration = {
  heterogeneousGpus: {
    type: 'string',
    default: '',
    description:
      'Physical GPUs (PF addresses, comma-separated, or "all") in heterogeneous mode (nvidia-smi vgpu -shm 1): mdevctl then allows time-sliced vGPUs of different types on them',
  },
  stopBusyWaitMs: {
    type: 'integer',
    min: 0,
    max: 120_000,
    default: DEFAULT_STOP_BUSY_WAIT_MS,
    description: 'How long stop keeps writing 0 to current_vgpu_type while the driver answers EBUSY (ms)',
  },
  enableVfs: {
    type: 'boolean',
    default: false,
    description: "Let `start-parent-mdevs --physfn PF` (the boot unit) run sriov-manage -e PF when the PF has no VFs",
  },
  sriovManage: {
    type: 'string',
    default: DEFAULT_SRIOV_MANAGE,
    description: "The driver's program that enables a PF's VFs (run as: PROGRAM -e PF)",
  },
  sriovManageTimeoutMs: {
    type: 'integer',
    min: 1000,
    max: 600_000,
    default: DEFAULT_SRIOV_MANAGE_TIMEOUT_MS,
    description: 'How long sriov-manage may run (ms); it is killed after',
  },
};

export default function createPlugin(options: NvidiaVgpuOptions = {}): MdevctlPlugin {
  return new NvidiaVgpuPlugin(options);
}
