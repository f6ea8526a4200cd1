// The validate stage of a vfio-ap run: the attributes, then the APQN conflicts the action calls
// for. At define/modify of an auto-start device (and in `mdevctl validate` of one): against the
// other auto-start definitions and the persistent host masks. At start and live modify: against
// the running vfio-ap devices and the live host masks. Everything found is returned at once.

import type { HostView, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import { checkAttributes, type ApLimits, type ConflictCheck } from './attributes.js';
import type { ApMatrix } from './apqn.js';
import { deviceConflicts, maskConflicts } from './conflicts.js';
import { activeOthers, autoDefinitions, isVfioAp, liveMasks, persistentMasks, readLimits } from './host-state.js';

export interface RunProblems {
  readonly errors: string[];
  readonly warnings: string[];
}

/** Against the other auto-start definitions and the masks the host keeps after a reboot. */
export function definitionConflicts(host: HostView, uuid: string, mine: ApMatrix, limits: ApLimits): string[] {
  return definitionCheck(host, uuid, limits)(mine).flat();
}

/** Against the running vfio-ap devices and the live masks. */
export function liveConflicts(host: HostView, uuid: string, mine: ApMatrix): string[] {
  return liveCheck(host, uuid)(mine).flat();
}

/** The conflicts of one matrix with the other auto-start definitions, then with the persistent masks. */
function definitionCheck(host: HostView, uuid: string, limits: ApLimits): ConflictCheck {
  const others = autoDefinitions(host, uuid).map((d) => ({ uuid: d.uuid, matrix: checkAttributes(d.attrs, limits, false).matrix }));
  const masks = persistentMasks(host);
  return (m) => [
    deviceConflicts(m, others, 'is also assigned to auto-start device'),
    masks !== undefined ? maskConflicts(m, masks, 'is reserved for the host by') : [],
  ];
}

/** The conflicts of one matrix with the running vfio-ap devices, then with the live masks. */
function liveCheck(host: HostView, uuid: string): ConflictCheck {
  const others = activeOthers(host, uuid);
  const masks = liveMasks(host);
  return (m) => [
    deviceConflicts(m, others, 'is already in use by running device'),
    masks !== undefined ? maskConflicts(m, masks, 'is still owned by the host, as set in') : [],
  ];
}

/** Both checks a run calls for, their groups side by side. */
function both(a: ConflictCheck | undefined, b: ConflictCheck | undefined): ConflictCheck | undefined {
  if (!a || !b) return a ?? b;
  return (m) => [...a(m), ...b(m)];
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
  // The conflicts as the kernel finds them, write by write (an unassign later does not undo one).
  const conflictsAt = both(
    what.definitions ? definitionCheck(ctx.host, device.uuid, limits) : undefined,
    what.live ? liveCheck(ctx.host, device.uuid) : undefined,
  );
  const { matrix, problems, conflicts } = checkAttributes(device.attrs, limits, what.strict, conflictsAt);
  for (const p of problems) (p.severity === 'error' ? errors : warnings).push(p.message);
  if (matrix.controls.length > 0 && matrix.domains.length === 0) {
    const text = 'Control domains without any usage domain: assign at least one usage domain (assign_domain)';
    // A manual definition may be completed by later modifies; what is started must be complete.
    if (what.strict || device.start === 'auto') errors.push(text);
    else warnings.push(text);
  }
  errors.push(...conflicts);
  return { errors, warnings };
}
