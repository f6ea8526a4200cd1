// The validate stage for GVT-g vGPUs: the parent must be a PCI address; when the GPU shows no
// vGPU types, say what keeps GVT-g off — an error at start (and in `mdevctl validate`), a warning
// at define and modify (a definition may wait for its parent).

import { claimsDevice, type Diagnostics, type LifecycleContext } from '@mdevctl/plugin-sdk';
import { GVT_CLAIM } from './claim.js';
import { gvtOffReason, pciAddressProblem, showsTypes } from './gvt-state.js';

export const PLUGIN_NAME = 'i915-gvtg';

export function checkGvt(ctx: LifecycleContext, out: Diagnostics): void {
  const device = ctx.device;
  if (!device || ctx.action === 'undefine' || ctx.action === 'stop') return;
  // The run may be ours through the definition or running device it replaces: check only a device of ours.
  if (!claimsDevice(GVT_CLAIM, device.parent, device.type)) return;
  const problem = pciAddressProblem(device.parent);
  if (problem !== undefined) {
    out.error(PLUGIN_NAME, problem);
    return;
  }
  if (ctx.active?.uuid === device.uuid || showsTypes(ctx.host, device.parent)) return;
  const reason = gvtOffReason(ctx.host, device.parent);
  if (reason === undefined) return;
  if (ctx.action === 'start') out.error(PLUGIN_NAME, reason);
  else out.warn(PLUGIN_NAME, reason);
}
