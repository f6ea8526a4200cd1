// The validate stage for vfio_ccw-io devices: a well-formed subchannel id always; at start (and in
// `mdevctl validate`) a subchannel bound to vfio_ccw; one device per subchannel — auto-start
// definitions against each other when one is defined or modified (and in `mdevctl validate`),
// anything started against the devices running on the subchannel.

import { claimsDevice, type Diagnostics, type LifecycleContext, type MdevDevice } from '@mdevctl/plugin-sdk';
import { CCW_CLAIM, binding, bindingProblem, subchannelIdProblem } from './subchannel.js';

export const PLUGIN_NAME = 'vfio-ccw';

export function checkCcw(ctx: LifecycleContext, out: Diagnostics): void {
  const device = ctx.device;
  if (!device || ctx.action === 'undefine' || ctx.action === 'stop') return;
  // The run may be ours through the definition or running device it replaces: check only a device of ours.
  if (!claimsDevice(CCW_CLAIM, device.parent, device.type)) return;
  const idProblem = subchannelIdProblem(device.parent);
  if (idProblem !== undefined) {
    out.error(PLUGIN_NAME, idProblem);
    return;
  }
  const comparesDefinitions = ctx.action === 'define' || ctx.action === 'modify' || ctx.checkOnly;
  if (comparesDefinitions && device.start === 'auto') checkAutoDefinitions(ctx, device, out);
  if (ctx.action === 'start') {
    checkBinding(ctx, device, out);
    checkRunning(ctx, device, out);
  } else if (ctx.action === 'define') {
    const problem = bindingProblem(device.parent, binding(ctx.host, device.parent), 'define');
    if (problem !== undefined) out.warn(PLUGIN_NAME, problem);
  }
}

function checkAutoDefinitions(ctx: LifecycleContext, device: MdevDevice, out: Diagnostics): void {
  for (const other of ctx.host.definitions({ parent: device.parent })) {
    if (other.uuid === device.uuid || other.start !== 'auto') continue;
    out.error(
      PLUGIN_NAME,
      `Subchannel ${device.parent} already has auto-start device ${other.uuid}; a subchannel takes one mediated device`,
    );
  }
}

function checkBinding(ctx: LifecycleContext, device: MdevDevice, out: Diagnostics): void {
  if (ctx.active?.uuid === device.uuid) return; // mdevctl validate of a device that runs already
  const problem = bindingProblem(device.parent, binding(ctx.host, device.parent), 'start');
  if (problem !== undefined) out.error(PLUGIN_NAME, problem);
}

function checkRunning(ctx: LifecycleContext, device: MdevDevice, out: Diagnostics): void {
  for (const other of ctx.host.activeDevices({ parent: device.parent })) {
    if (other.uuid === device.uuid) continue;
    out.error(PLUGIN_NAME, `Subchannel ${device.parent} is in use by running device ${other.uuid}; a subchannel takes one mediated device`);
  }
}
