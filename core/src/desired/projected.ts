// The host as it will be once a plan is carried out: the definitions and running devices after
// every step, the rest (parents, types, files) as now. The plan's validate runs see it as
// ctx.host, so a plugin's checks compare each desired device with the others of the file (two
// desired vfio-ap devices sharing a queue, two devices on one vfio-ccw subchannel) — including
// devices the plan starts, whose attributes are not in sysfs yet: plannedAttributes() answers
// them (the SDK's one way to ask).

import type { ActiveDevice, Attribute, DefinedDevice, HostView, MdevTypeInfo } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { Step } from './plan.js';

export class ProjectedHost implements HostView {
  readonly root: string;
  private readonly defs: DefinedDevice[];
  private readonly running: ActiveDevice[];
  /** The attributes of each device the plan starts, as it starts it. */
  private readonly starting = new Map<string, readonly Attribute[]>();

  constructor(
    private readonly host: Host,
    steps: readonly Step[],
  ) {
    this.root = host.root;
    // Keyed by parent/uuid, so that a plan of thousands of steps projects in linear time.
    const defs = new Map<string, DefinedDevice>();
    for (const d of host.store.scan().devices) defs.set(`${d.parent}/${d.uuid}`, d);
    const running = new Map<string, ActiveDevice>();
    for (const a of host.sysfs.activeDevices()) running.set(a.uuid, a);
    for (const s of steps) {
      const key = `${s.parent}/${s.uuid}`;
      switch (s.action) {
        case 'stop':
          running.delete(s.uuid);
          this.starting.delete(s.uuid);
          break;
        case 'undefine':
          defs.delete(key);
          break;
        case 'define':
        case 'modify':
          if (s.device) defs.set(key, { ...s.device, path: host.paths.definitionFile(s.parent, s.uuid) });
          break;
        case 'start':
          running.set(s.uuid, { uuid: s.uuid, parent: s.parent, type: s.type });
          this.starting.set(s.uuid, defs.get(key)?.attrs ?? []);
          break;
      }
    }
    this.defs = [...defs.values()];
    this.running = [...running.values()];
  }

  // By parent, built on first use: plugins ask per step (definitions({parent})), so a plan of
  // thousands of steps must not filter the whole list each time.
  private defsByParent: Map<string, DefinedDevice[]> | undefined;
  private runningByParent: Map<string, ActiveDevice[]> | undefined;

  definitions(filter: { uuid?: string; parent?: string } = {}): DefinedDevice[] {
    if (filter.parent !== undefined && filter.uuid === undefined) return [...(this.defsByParent ??= byParent(this.defs)).get(filter.parent) ?? []];
    return this.defs.filter((d) => matches(d, filter));
  }

  activeDevices(filter: { uuid?: string; parent?: string } = {}): ActiveDevice[] {
    if (filter.parent !== undefined && filter.uuid === undefined) return [...(this.runningByParent ??= byParent(this.running)).get(filter.parent) ?? []];
    return this.running.filter((d) => matches(d, filter));
  }

  plannedAttributes(uuid: string): readonly Attribute[] | undefined {
    return this.starting.get(uuid);
  }

  parents(): string[] {
    return this.host.parents();
  }

  types(parent?: string): MdevTypeInfo[] {
    return this.host.types(parent);
  }

  readFile(relativePath: string): string | undefined {
    return this.host.readFile(relativePath);
  }
}

function matches(d: { uuid: string; parent: string }, f: { uuid?: string; parent?: string }): boolean {
  return (f.uuid === undefined || d.uuid === f.uuid) && (f.parent === undefined || d.parent === f.parent);
}

function byParent<T extends { parent: string }>(list: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const d of list) {
    const l = out.get(d.parent);
    if (l) l.push(d);
    else out.set(d.parent, [d]);
  }
  return out;
}
