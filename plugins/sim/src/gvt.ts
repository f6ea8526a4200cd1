// GVT-g's kernel switches on the simulated host: i915's read-only `enable_gvt` parameter (Y/N,
// set at boot) and the kvmgt module, which registers every GVT-g GPU with mdev while it is loaded
// (6.1: kvmgt's init hands its ops to i915, which then registers the parent). `mdevctl-sim
// unplug/plug` of a GPU is rmmod/modprobe kvmgt; a host built with GVT-g off has the GPU on the
// PCI bus, bound to i915, and no mdev types.

import { join } from 'node:path';
import { lexists, MODE_RO, putFile, readText, removeTree } from './fsops.js';

/** Module parameters are root-only files (0400) in sysfs. */
const MODE_PARAM = 0o400;
import type { SimHost } from './host.js';
import type { ParentProfile } from './profiles.js';

const ENABLE_GVT = 'module/i915/parameters/enable_gvt';
const KVMGT = 'module/kvmgt';

export function isGvtParent(p: ParentProfile): boolean {
  return p.driver === 'i915';
}

/** At build: the i915 parameter as booted, and kvmgt loaded (it registers nothing with GVT-g off). */
export function buildGvtModules(host: SimHost, enabled: boolean): void {
  putFile(host.sysPath(ENABLE_GVT), enabled ? 'Y\n' : 'N\n', MODE_PARAM);
  loadKvmgt(host);
}

function gvtEnabled(host: SimHost): boolean {
  const path = host.sysPath(ENABLE_GVT);
  return lexists(path) && readText(path).trim() === 'Y';
}

function loadKvmgt(host: SimHost): void {
  putFile(host.sysPath(join(KVMGT, 'initstate')), 'live\n', MODE_RO);
  putFile(host.sysPath(join(KVMGT, 'refcnt')), '0\n', MODE_RO);
}

/** modprobe kvmgt before a GPU registers; refused when i915 booted with GVT-g off. */
export function beforeGvtPlug(host: SimHost, p: ParentProfile): void {
  if (!isGvtParent(p)) return;
  if (!gvtEnabled(host)) throw new Error(`GVT-g is off on this host (i915.enable_gvt=N): ${p.name} cannot register`);
  loadKvmgt(host);
}

/** rmmod kvmgt once no GPU is registered any more. */
export function afterGvtUnplug(host: SimHost, p: ParentProfile): void {
  if (!isGvtParent(p)) return;
  if (host.manifest.parents.some((o) => isGvtParent(o) && host.isRegistered(o))) return;
  removeTree(host.sysPath(KVMGT));
}
