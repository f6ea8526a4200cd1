// The nvidia-vgpu plugin: provides the backend (detected per host: any PCI device with a
// `nvidia/creatable_vgpu_types` and no `mdev_supported_types`), claims VF parents and
// `nvidia-<id>` types, and taps validate (free VF, listed type, one time-sliced type per GPU, no
// stop under a running VM) and the `-x` listings (the physical GPU).

import { SDK_VERSION, type BackendProvider, type DeviceClaim, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { checkVgpu, PLUGIN_NAME, type CheckOptions } from './checks.js';
import { listVgpuDevice, listVgpuType } from './listing.js';
import { parseHeterogeneousOption } from './mixing.js';
import { hasVgpuVfs, VgpuScan } from './scan.js';
import { BACKEND_NAME, NvidiaVgpuBackend } from './backend.js';
import { enableVfs } from './sriov.js';

const PCI_LIKE = /^(?:[0-9a-z]+:)?[0-9a-z]+:[0-9a-z]+\.[0-9a-z]+$/i;
export const VGPU_TYPE = /^nvidia-\d+$/;

export const VGPU_CLAIM: DeviceClaim = {
  parents: (parent: string) => PCI_LIKE.test(parent),
  types: (type: string) => VGPU_TYPE.test(type),
};

export interface NvidiaVgpuOptions {
  readonly heterogeneousGpus?: string;
  readonly stopBusyWaitMs?: number;
  readonly enableVfs?: boolean;
  readonly sriovManage?: string;
  readonly sriovManageTimeoutMs?: number;
}

export const DEFAULT_STOP_BUSY_WAIT_MS = 10_000;
export const DEFAULT_SRIOV_MANAGE = '/usr/lib/nvidia/sriov-manage';
export const DEFAULT_SRIOV_MANAGE_TIMEOUT_MS = 60_000;

export class NvidiaVgpuPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = VGPU_CLAIM;
  readonly backends: readonly BackendProvider[];
  private readonly scans = new Map<string, VgpuScan>();
  private readonly checkOptions: CheckOptions;

  constructor(options: NvidiaVgpuOptions = {}) {
    this.checkOptions = { heterogeneous: parseHeterogeneousOption(options.heterogeneousGpus) };
    const stopBusyWaitMs = options.stopBusyWaitMs ?? DEFAULT_STOP_BUSY_WAIT_MS;
    this.backends = [
      {
        name: BACKEND_NAME,
        detect: (host) => hasVgpuVfs(host.root),
        open: (host) => {
          const backend = new NvidiaVgpuBackend(host, { stopBusyWaitMs });
          this.scans.set(host.root, backend.scan);
          return backend;
        },
        prepare: (host, physfn) =>
          options.enableVfs === true
            ? enableVfs(host.root, physfn, {
                sriovManage: options.sriovManage ?? DEFAULT_SRIOV_MANAGE,
                timeoutMs: options.sriovManageTimeoutMs ?? DEFAULT_SRIOV_MANAGE_TIMEOUT_MS,
              })
            : undefined,
      },
    ];
  }

  /** The scan of this root (the backend's, so that its writes refresh what the checks read). */
  scan(root: string): VgpuScan {
    let s = this.scans.get(root);
    if (s === undefined) {
      s = new VgpuScan(root);
      this.scans.set(root, s);
    }
    return s;
  }

  apply(hooks: MdevctlHooks): void {
    hooks.lifecycle.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => checkVgpu(ctx, diagnostics, this.scan(ctx.host.root), this.checkOptions));
    hooks.listing.type.tap(PLUGIN_NAME, (listing, ctx) => listVgpuType(listing, this.scan(ctx.host.root), this.checkOptions));
    hooks.listing.device.tap(PLUGIN_NAME, (listing, ctx) => listVgpuDevice(listing, this.scan(ctx.host.root)));
  }
}
