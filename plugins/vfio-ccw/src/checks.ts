// The validate stage for vfio_ccw-io devices: a well-formed subchannel id always; no attributes
// (a warning at define and modify, refused at start); at start (and in
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
  checkAttributes(ctx, device, out);
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

/**
 * vfio_ccw-io devices have no attributes in sysfs: a definition with some is kept (with a
 * warning), and its start is refused before the device is created, saying how to fix it.
 */
function checkAttributes(ctx: LifecycleContext, device: MdevDevice, out: Diagnostics): void {
  if (device.attrs.length === 0) return;
  const names = [...new Set(device.attrs.map((a) => `'${a.name}'`))].join(', ');
  const what = `vfio_ccw-io devices take no attributes (this one has ${names})`;
  if (ctx.action === 'start') {
    const n = device.attrs.length;
    const fix =
      'jsonfile' in ctx.request && ctx.request.jsonfile !== undefined
        ? 'remove them from the JSON file'
        : `remove ${n === 1 ? 'it' : 'them'} with: mdevctl modify -u ${device.uuid} --delattr${n === 1 ? '' : ` (once for each of the ${n})`}`;
    out.error(PLUGIN_NAME, `${what}; ${fix}`);
  } else if (ctx.action === 'define' || ctx.action === 'modify') {
    out.warn(PLUGIN_NAME, `${what}; starting it will be refused until they are removed`);
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
