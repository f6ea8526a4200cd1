// The validate stage of a vfio-ap run: the attributes, then the APQN conflicts the action calls
// for. At define/modify of an auto-start device (and in `mdevctl validate` of one): against the
// other auto-start definitions and the persistent host masks. At start and live modify: against
// the running vfio-ap devices and the live host masks. Everything found is returned at once.

import type { HostView, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import { checkAttributes, type ApLimits } from './attributes.js';
import type { ApMatrix } from './apqn.js';
import { deviceConflicts, maskConflicts } from './conflicts.js';
import { activeOthers, autoDefinitions, isVfioAp, liveMasks, persistentMasks, readLimits } from './host-state.js';

export interface RunProblems {
  readonly errors: string[];
  readonly warnings: string[];
}

/** Against the other auto-start definitions and the masks the host keeps after a reboot. */
export function definitionConflicts(host: HostView, uuid: string, mine: ApMatrix, limits: ApLimits): string[] {
  const others = autoDefinitions(host, uuid).map((d) => ({ uuid: d.uuid, matrix: checkAttributes(d.attrs, limits, false).matrix }));
  const lines = deviceConflicts(mine, others, 'is also assigned to auto-start device');
  const masks = persistentMasks(host);
  if (masks !== undefined) lines.push(...maskConflicts(mine, masks, 'is reserved for the host by'));
  return lines;
}

/** Against the running vfio-ap devices and the live masks. */
export function liveConflicts(host: HostView, uuid: string, mine: ApMatrix): string[] {
  const lines = deviceConflicts(mine, activeOthers(host, uuid), 'is already in use by running device');
  const masks = liveMasks(host);
  if (masks !== undefined) lines.push(...maskConflicts(mine, masks, 'is still owned by the host, as set in'));
  return lines;
}

/** What the run's action needs checked, given the device it will define, modify or start. */
function plan(ctx: LifecycleContext, device: MdevDevice): { strict: boolean; definitions: boolean; live: boolean } {
  const auto = device.start === 'auto';
  const req = ctx.request;
  switch (ctx.action) {
    case 'define':
      return { strict: false, definitions: auto, live: false };
    case 'modify': {
      const live = req.action === 'modify' && req.live;
      const stored = !live || (req.action === 'modify' && req.defined);
      return { strict: false, definitions: auto && stored, live };
    }
    case 'start':
      return { strict: true, definitions: auto && ctx.checkOnly, live: true };
    default:
      return { strict: false, definitions: false, live: false };
  }
}

/** Every problem of the run (nothing for stop/undefine, or a device that is not vfio-ap). */
export function checkRun(ctx: LifecycleContext): RunProblems {
  const device = ctx.device;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (device === undefined || !isVfioAp(device) || ctx.action === 'stop' || ctx.action === 'undefine') return { errors, warnings };
  const what = plan(ctx, device);
  const limits = readLimits(ctx.host);
  const { matrix, problems } = checkAttributes(device.attrs, limits, what.strict);
  for (const p of problems) (p.severity === 'error' ? errors : warnings).push(p.message);
  if (matrix.controls.length > 0 && matrix.domains.length === 0) {
    const text = 'Control domains without any usage domain: assign at least one usage domain (assign_domain)';
    // A manual definition may be completed by later modifies; what is started must be complete.
    if (what.strict || device.start === 'auto') errors.push(text);
    else warnings.push(text);
  }
  if (what.definitions) errors.push(...definitionConflicts(ctx.host, device.uuid, matrix, limits));
  if (what.live) errors.push(...liveConflicts(ctx.host, device.uuid, matrix));
  return { errors, warnings };
}
