// The plan of `mdevctl apply/diff/assert`: the devices a desired-state file wants (explicit ones
// where the file puts them; counted ones kept where they already are, the rest placed by the
// request's policy through the placement hooks), compared with the host, as the steps that make
// the host match: stop, undefine, modify, define, start — in that order, so that what is taken
// away frees room before anything new needs it. Only devices the file manages are ever in a step:
// those whose uuid the file derives (or names), and with --prune those its record (or its
// profile's) lists that no file of it derives any more (ledger.ts) — the outgoing profile's
// devices are stopped and undefined first, so their room is free for the incoming ones. A device
// taken over by uuid that the file no longer names is released: forgotten, never removed.

import type { ActiveDevice, Attribute, DefinedDevice, MdevDevice, MdevTypeInfo, PlacementRoomQuery, StartPolicy } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import { MdevctlError } from '../model/errors.js';
import { compareBytes } from '../model/order.js';
import type { DesiredFile, DesiredRequest } from './file.js';
import { derivedUuid, requestKey } from './keys.js';
import { removable, type ManagedDevice } from './ledger.js';
import { candidateParents } from './select.js';

export type StepAction = 'stop' | 'undefine' | 'modify' | 'define' | 'start';
export const STEP_ORDER: readonly StepAction[] = ['stop', 'undefine', 'modify', 'define', 'start'];

/** One device the file wants, where it wants it. */
export interface Want {
  readonly key: string;
  /** `device console`, `request desktops #2`: for messages. */
  readonly label: string;
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
  readonly start: StartPolicy;
  readonly attrs: readonly Attribute[];
  readonly active: boolean;
}

export interface Step {
  readonly action: StepAction;
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
  /** What the step is for: a want's label, or `prune`. */
  readonly what: string;
  /** What changes, for humans: `type a -> b`, `attrs`, `start manual -> auto`. */
  readonly detail?: string;
  /** define/modify: the definition to store. */
  readonly device?: MdevDevice;
  /** modify/undefine: the definition before the step; stop: the running device's definition. */
  readonly previous?: DefinedDevice;
}

export interface Plan {
  readonly steps: readonly Step[];
  readonly wants: readonly Want[];
  /** The file's managed devices after the plan (the new record). */
  readonly managed: readonly ManagedDevice[];
  /** Recorded devices (still there) the file does not list, left alone without --prune. */
  readonly unlisted: number;
}

export interface PlanInput {
  readonly file: DesiredFile;
  readonly host: Host;
  readonly managedBefore: readonly ManagedDevice[];
  readonly prune: boolean;
  /** placement.room and placement.choose, through the hooks. */
  room(query: PlacementRoomQuery): Promise<number>;
  choose(step: import('@mdevctl/plugin-sdk').PlacementStep): Promise<string>;
}

/** What the plan starts and stops on each parent (the placement's and the room check's view). */
export class ParentLoad {
  readonly adding = new Map<string, string[]>();
  readonly removing = new Map<string, ActiveDevice[]>();

  private readonly removed = new Set<string>();

  add(parent: string, type: string): void {
    const list = this.adding.get(parent);
    if (list) list.push(type);
    else this.adding.set(parent, [type]);
  }

  remove(device: ActiveDevice): void {
    if (this.removed.has(device.uuid)) return;
    this.removed.add(device.uuid);
    const list = this.removing.get(device.parent);
    if (list) list.push(device);
    else this.removing.set(device.parent, [device]);
  }
}

export async function makePlan(input: PlanInput): Promise<Plan> {
  return new Planner(input).plan();
}

class Planner {
  private readonly defs: DefinedDevice[];
  private readonly active: ActiveDevice[];
  // Indexes (planning thousands of devices stays near-linear).
  private readonly defsByUuid = new Map<string, DefinedDevice[]>();
  private readonly activeByUuid = new Map<string, ActiveDevice>();
  private readonly activeByParent = new Map<string, ActiveDevice[]>();
  private readonly placedOn = new Map<string, number>();
  private readonly stopped = new Set<string>();
  private readonly typeCache = new Map<string, MdevTypeInfo[]>();
  private readonly steps: Step[] = [];
  private readonly wants: Want[] = [];
  readonly load = new ParentLoad();

  constructor(private readonly input: PlanInput) {
    const scan = input.host.store.scan();
    for (const p of scan.problems) input.host.log.warn(p.message);
    this.defs = scan.devices;
    this.active = input.host.sysfs.activeDevices();
    for (const d of this.defs) this.defsByUuid.set(d.uuid, [...(this.defsByUuid.get(d.uuid) ?? []), d]);
    for (const a of this.active) {
      this.activeByUuid.set(a.uuid, a);
      const list = this.activeByParent.get(a.parent);
      if (list) list.push(a);
      else this.activeByParent.set(a.parent, [a]);
    }
  }

  private defsOf(uuid: string): readonly DefinedDevice[] {
    return this.defsByUuid.get(uuid) ?? [];
  }

  async plan(): Promise<Plan> {
    const { file } = this.input;
    const wanted = new Set<string>();
    const claim = (uuid: string, label: string) => {
      if (wanted.has(uuid)) throw new MdevctlError(`${file.path}: ${label} has the uuid ${uuid} of another device of the file`);
      wanted.add(uuid);
    };
    // Every uuid the file wants, first: a prune never takes one of them.
    const explicit = file.devices.map((d) => ({ entry: d, uuid: d.uuid ?? derivedUuid(file.namespace, d.key) }));
    for (const e of explicit) claim(e.uuid, `device ${e.entry.label}`);
    const instances = file.requests.map((r) =>
      Array.from({ length: r.count }, (_, i) => ({ request: r, index: i, key: requestKey(r.name, i), uuid: derivedUuid(file.namespace, requestKey(r.name, i)) })),
    );
    for (const list of instances) for (const x of list) claim(x.uuid, `request ${x.request.name} #${x.index}`);

    const notListed = this.input.managedBefore.filter((m) => !wanted.has(m.uuid) && this.exists(m));
    const pruned = this.input.prune ? this.input.managedBefore.filter((m) => !wanted.has(m.uuid)) : [];
    // Only what the file's (profile's) namespace derives is removed; a taken-over uuid is released.
    for (const m of pruned) if (removable(m)) this.removeDevice(m.uuid, m.parent);

    for (const { entry, uuid } of explicit) {
      this.want({ key: entry.key, label: `device ${entry.label}`, uuid, parent: entry.parent, type: entry.type, start: entry.start, attrs: entry.attrs, active: entry.active });
    }
    // Counted devices that already are on a parent the request admits stay there.
    const unplaced: Array<{ request: DesiredRequest; index: number; key: string; uuid: string }> = [];
    const candidatesOf = new Map<DesiredRequest, ReturnType<typeof candidateParents>>();
    for (const list of instances) {
      for (const x of list) {
        let candidates = candidatesOf.get(x.request);
        if (candidates === undefined) {
          candidates = candidateParents(this.input.host, x.request, (p) => this.typesOf(p));
          candidatesOf.set(x.request, candidates);
        }
        const where = this.currentPlace(x.uuid, candidates);
        if (where !== undefined) this.want(this.requestWant(x.request, x.index, x.key, x.uuid, where.parent, where.type));
        else unplaced.push(x);
      }
    }
    // The rest: a device of theirs running where it no longer belongs stops first (its room is
    // free for the placement), then the policy places each.
    for (const x of unplaced) {
      const running = this.activeByUuid.get(x.uuid);
      if (running) this.stopStep(running, `request ${x.request.name} #${x.index}`, 'placed again');
    }
    for (const x of unplaced) {
      const parent = await this.place(x.request, x.index, candidatesOf.get(x.request) ?? []);
      const type = (candidatesOf.get(x.request) ?? []).find((c) => c.parent === parent)?.type as string;
      this.want(this.requestWant(x.request, x.index, x.key, x.uuid, parent, type), true);
    }
    return { steps: orderSteps(this.steps), wants: this.wants, managed: this.managedAfter(pruned), unlisted: this.input.prune ? 0 : notListed.length };
  }

  private requestWant(r: DesiredRequest, index: number, key: string, uuid: string, parent: string, type: string): Want {
    return { key, label: `request ${r.name} #${index}`, uuid, parent, type, start: r.start, attrs: r.attrs, active: r.active };
  }

  /** Where a counted device stands now (its definition first), if that is a candidate. */
  private currentPlace(uuid: string, candidates: ReturnType<typeof candidateParents>) {
    const def = this.defsOf(uuid).find((d) => candidates.some((c) => c.parent === d.parent && c.type === d.type));
    if (def) return candidates.find((c) => c.parent === def.parent);
    const run = this.activeByUuid.get(uuid);
    return run ? candidates.find((c) => c.parent === run.parent && c.type === run.type) : undefined;
  }

  private async place(r: DesiredRequest, index: number, candidates: ReturnType<typeof candidateParents>): Promise<string> {
    const fits = [];
    for (const c of candidates) {
      const room = await this.input.room(this.roomQuery(c.parent, c.type));
      if (room < 1) continue;
      const placed = this.placedOn.get(`${r.name}\0${c.parent}`) ?? 0;
      fits.push({ parent: c.parent, type: c.type, room, placed, types: this.typesRunning(c.parent) });
    }
    const what = `request ${r.name} #${index} (${r.type ?? `typeName ${r.typeName}`}, placement ${r.placement})`;
    if (candidates.length === 0) throw new MdevctlError(`No parent can host ${what}: no registered parent matches its parents and type`);
    if (fits.length === 0) {
      const freed = candidates.some((c) => (this.load.removing.get(c.parent) ?? []).some((d) => d.type !== c.type));
      throw new MdevctlError(
        `No room for ${what} on ${candidates.map((c) => c.parent).join(', ')}: every pool is full` +
          (freed ? ' (what the plan stops there first counts only for its own type, unless a plugin knows the pool)' : ''),
      );
    }
    const chosen = await this.input.choose({ policy: r.placement, request: r.name, index, count: r.count, candidates: fits });
    if (chosen === '') throw new MdevctlError(`No parent fits ${what}: ${fits.map((c) => `${c.parent} runs ${c.types.join('+') || 'nothing'}`).join(', ')}`);
    if (!fits.some((c) => c.parent === chosen)) throw new MdevctlError(`Placement ${r.placement} chose ${chosen} for ${what}, which is not one of its candidates`);
    return chosen;
  }

  roomQuery(parent: string, type: string): PlacementRoomQuery {
    return {
      parent,
      type,
      types: this.typesOf(parent),
      active: this.activeByParent.get(parent) ?? [],
      removing: [...(this.load.removing.get(parent) ?? [])],
      adding: [...(this.load.adding.get(parent) ?? [])],
    };
  }

  /** The types the parent runs after the plan so far. */
  private typesRunning(parent: string): string[] {
    const removing = new Set((this.load.removing.get(parent) ?? []).map((d) => d.uuid));
    const types = new Set([
      ...(this.activeByParent.get(parent) ?? []).filter((a) => !removing.has(a.uuid)).map((a) => a.type),
      ...(this.load.adding.get(parent) ?? []),
    ]);
    return [...types].sort(compareBytes);
  }

  private typesOf(parent: string): MdevTypeInfo[] {
    let t = this.typeCache.get(parent);
    if (t === undefined) {
      t = this.input.host.sysfs.types(parent);
      this.typeCache.set(parent, t);
    }
    return t;
  }

  /**
   * The steps that make one wanted device stand as wanted: its definition (modified in place, or
   * defined here and removed elsewhere), then its running state. `placed`: a running instance was
   * stopped before the placement.
   */
  private want(w: Want, placed = false): void {
    this.wants.push(w);
    if (w.key.startsWith('request/')) {
      const at = `${w.key.slice('request/'.length, w.key.lastIndexOf('/'))}\0${w.parent}`;
      this.placedOn.set(at, (this.placedOn.get(at) ?? 0) + 1);
    }
    const device: MdevDevice = { uuid: w.uuid, parent: w.parent, type: w.type, start: w.start, attrs: w.attrs };
    const here = this.defsOf(w.uuid).find((d) => d.parent === w.parent);
    for (const d of this.defsOf(w.uuid).filter((d) => d.parent !== w.parent)) {
      this.step({ action: 'undefine', uuid: d.uuid, parent: d.parent, type: d.type, what: w.label, detail: `moves to ${w.parent}`, previous: d });
    }
    let restart = false;
    if (!here) this.step({ action: 'define', uuid: w.uuid, parent: w.parent, type: w.type, what: w.label, device });
    else {
      const detail = changes(here, device);
      if (detail.length > 0) {
        this.step({ action: 'modify', uuid: w.uuid, parent: w.parent, type: w.type, what: w.label, detail: detail.join(', '), device, previous: here });
        restart = here.type !== w.type || !sameAttrs(here.attrs, w.attrs);
      }
    }
    const running = placed ? undefined : this.activeByUuid.get(w.uuid);
    const wrong = running !== undefined && (running.parent !== w.parent || running.type !== w.type || restart);
    if (running && (wrong || !w.active)) {
      this.stopStep(running, w.label, !w.active ? 'not active in the file' : restart ? 'restarts with the new definition' : `moves to ${w.parent}`);
    }
    if (w.active && (!running || wrong)) {
      this.step({ action: 'start', uuid: w.uuid, parent: w.parent, type: w.type, what: w.label });
      this.load.add(w.parent, w.type);
    }
  }

  private stopStep(running: ActiveDevice, what: string, detail: string): void {
    if (this.stopped.has(running.uuid)) return;
    this.stopped.add(running.uuid);
    const previous = this.defsOf(running.uuid).find((d) => d.parent === running.parent);
    this.step({ action: 'stop', uuid: running.uuid, parent: running.parent, type: running.type, what, detail, ...(previous ? { previous } : {}) });
    this.load.remove(running);
  }

  /** --prune of a managed device the file no longer wants: stop it, remove its definition. */
  private removeDevice(uuid: string, parent: string): void {
    const found = this.activeByUuid.get(uuid);
    const running = found?.parent === parent ? found : undefined;
    if (running) this.stopStep(running, 'prune', 'no longer in the file');
    const def = this.defsOf(uuid).find((d) => d.parent === parent);
    if (def) this.step({ action: 'undefine', uuid, parent, type: def.type, what: 'prune', detail: 'no longer in the file', previous: def });
  }

  private step(s: Step): void {
    this.steps.push(s);
  }

  private exists(m: ManagedDevice): boolean {
    return this.defsByUuid.has(m.uuid) || this.activeByUuid.has(m.uuid);
  }

  private managedAfter(pruned: readonly ManagedDevice[]): ManagedDevice[] {
    const gone = new Set(pruned.map((m) => m.uuid));
    const wanted = new Set(this.wants.map((w) => w.uuid));
    const kept = this.input.managedBefore.filter((m) => !gone.has(m.uuid) && !wanted.has(m.uuid) && this.exists(m));
    const profile = this.input.file.profile !== undefined ? { file: this.input.file.name } : {};
    return [...kept, ...this.wants.map((w) => ({ ...profile, key: w.key, uuid: w.uuid, parent: w.parent }))];
  }
}

/** What differs between a stored definition and the wanted one. */
function changes(def: MdevDevice, want: MdevDevice): string[] {
  const out: string[] = [];
  if (def.type !== want.type) out.push(`type ${def.type} -> ${want.type}`);
  if (def.start !== want.start) out.push(`start ${def.start} -> ${want.start}`);
  if (!sameAttrs(def.attrs, want.attrs)) out.push('attrs');
  return out;
}

function sameAttrs(a: readonly Attribute[], b: readonly Attribute[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]?.name && x.value === b[i]?.value);
}

/** Stops, undefines, modifies, defines, starts; within each, in the order planned. */
function orderSteps(steps: readonly Step[]): Step[] {
  return STEP_ORDER.flatMap((a) => steps.filter((s) => s.action === a));
}
