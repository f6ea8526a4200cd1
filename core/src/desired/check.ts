// The whole plan checked at once, before any step runs: every parent's pool must hold what the
// plan starts there (placement.room, replayed in the order of the starts), and every step goes
// through the validate stage — core's and every plugin's taps — against the host as it will be
// after the whole plan (projected.ts). One problem anywhere refuses the whole plan; nothing is
// written and no call-out runs.

import type { CommandRequest, LifecycleContext, PlacementRoomQuery } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { DiagnosticList, diagnosticText } from '../lifecycle/diagnostics.js';
import { firstLine, messageOf } from '../model/errors.js';
import { CORE_SOURCE } from '../lifecycle/builtin/checks.js';
import { ParentLoad, type Plan, type Step } from './plan.js';
import { ProjectedHost } from './projected.js';

export interface CheckInput {
  readonly plan: Plan;
  readonly host: Host;
  readonly hooks: CoreHooks;
  readonly file: string;
  room(query: PlacementRoomQuery): Promise<number>;
}

/** Every problem of the plan, one line each (empty: the plan may run). */
export async function checkPlan(input: CheckInput): Promise<string[]> {
  const problems = await roomProblems(input);
  problems.push(...(await validateSteps(input)));
  return problems;
}

async function roomProblems({ plan, host, room }: CheckInput): Promise<string[]> {
  const out: string[] = [];
  const load = new ParentLoad();
  for (const s of plan.steps) if (s.action === 'stop') load.remove({ uuid: s.uuid, parent: s.parent, type: s.type });
  const active = host.sysfs.activeDevices();
  for (const s of plan.steps) {
    if (s.action !== 'start') continue;
    const types = host.sysfs.types(s.parent);
    if (!types.some((t) => t.type === s.type)) continue; // the validate stage names it
    const query = {
      parent: s.parent,
      type: s.type,
      types,
      active: active.filter((a) => a.parent === s.parent),
      removing: load.removing.get(s.parent) ?? [],
      adding: load.adding.get(s.parent) ?? [],
    };
    const n = await room(query);
    if (n < 1) {
      const before = query.adding.length;
      out.push(
        `${s.parent}/${s.uuid} (${s.what}): no room for one more ${s.type} on ${s.parent}` +
          (before > 0 ? ` after the ${before} device${before === 1 ? '' : 's'} the plan starts there first` : ''),
      );
    }
    load.add(s.parent, s.type);
  }
  return out;
}

async function validateSteps({ plan, host, hooks, file }: CheckInput): Promise<string[]> {
  const projected = new ProjectedHost(host, plan.steps);
  const stopped = new Set(plan.steps.filter((s) => s.action === 'stop').map((s) => s.uuid));
  const out: string[] = [];
  for (const step of plan.steps) {
    const ctx = contextOf(step, projected, host, file);
    try {
      await hooks.lifecycle.validate.promise(ctx, ctx.diagnostics);
    } catch (err) {
      out.push(`${step.parent}/${step.uuid} (${step.what}): ${firstLine(messageOf(err))}`);
      continue;
    }
    for (const d of ctx.diagnostics.items) {
      if (d.source === CORE_SOURCE && supersededByPlan(step, d.message, stopped)) continue;
      const line = `${step.parent}/${step.uuid} (${step.what}): ${diagnosticText(d)}`;
      if (d.severity === 'error') out.push(line);
      else host.log.warn(line);
    }
  }
  return out;
}

/**
 * Core's start checks look at the host as it is now: the plan's own stops (a device restarted
 * with another type, a full parent it empties first) are not seen there, and the room check
 * above counts the pools for the whole plan.
 */
function supersededByPlan(step: Step, message: string, stopped: ReadonlySet<string>): boolean {
  if (step.action !== 'start') return false;
  if (message.startsWith('No available instances of ')) return true;
  // A running device the plan stops first (a restart with a new type or attributes).
  return (
    stopped.has(step.uuid) &&
    (message === 'Device exists under different parent' || message === 'Device exists with different type' || message.startsWith(`Device ${step.uuid} already exists`))
  );
}

function contextOf(step: Step, projected: ProjectedHost, host: Host, file: string): LifecycleContext & { diagnostics: DiagnosticList } {
  const request = requestOf(step, file);
  const ctx: LifecycleContext & { diagnostics: DiagnosticList } = {
    action: step.action,
    request,
    force: false,
    checkOnly: false,
    host: projected,
    log: host.log,
    diagnostics: new DiagnosticList(),
    state: 'none',
    scratch: new Map(),
    device: step.device ?? { uuid: step.uuid, parent: step.parent, type: step.type, start: step.previous?.start ?? 'manual', attrs: step.previous?.attrs ?? [] },
  };
  if (step.previous) ctx.previous = step.previous;
  if (step.action === 'stop') ctx.active = { uuid: step.uuid, parent: step.parent, type: step.type };
  if (step.action === 'start') {
    const want = projected.definitions({ uuid: step.uuid, parent: step.parent })[0];
    if (want) ctx.device = { uuid: want.uuid, parent: want.parent, type: want.type, start: want.start, attrs: want.attrs };
  }
  return ctx;
}

/** The request the step's pipeline run gets (the definition's file is written when it runs). */
export function requestOf(step: Step, jsonfile: string): CommandRequest {
  switch (step.action) {
    case 'define':
      return { action: 'define', uuid: step.uuid, parent: step.parent, auto: false, jsonfile };
    case 'modify':
      return { action: 'modify', uuid: step.uuid, parent: step.parent, jsonfile, delattr: false, auto: false, manual: false, live: false, defined: false };
    case 'undefine':
      return { action: 'undefine', uuid: step.uuid, parent: step.parent };
    case 'start':
      return { action: 'start', uuid: step.uuid, parent: step.parent };
    case 'stop':
      return { action: 'stop', uuid: step.uuid };
  }
}
