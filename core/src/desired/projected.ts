// The host as it will be once a plan is carried out: the definitions and running devices after
// every step, the rest (parents, types, files) as now. The plan's validate runs see it as
// ctx.host, so a plugin's checks compare each desired device with the others of the file (two
// desired vfio-ap devices sharing a queue, two devices on one vfio-ccw subchannel).

import type { ActiveDevice, DefinedDevice, HostView, MdevTypeInfo } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { Step } from './plan.js';

export class ProjectedHost implements HostView {
  readonly root: string;
  private readonly defs: DefinedDevice[];
  private readonly running: ActiveDevice[];

  constructor(
    private readonly host: Host,
    steps: readonly Step[],
  ) {
    this.root = host.root;
    let defs = host.store.scan().devices;
    let running = host.sysfs.activeDevices();
    for (const s of steps) {
      const same = (d: { uuid: string; parent: string }) => d.uuid === s.uuid && d.parent === s.parent;
      switch (s.action) {
        case 'stop':
          running = running.filter((d) => d.uuid !== s.uuid);
          break;
        case 'undefine':
          defs = defs.filter((d) => !same(d));
          break;
        case 'define':
        case 'modify':
          if (s.device) defs = [...defs.filter((d) => !same(d)), { ...s.device, path: host.paths.definitionFile(s.parent, s.uuid) }];
          break;
        case 'start':
          running = [...running, { uuid: s.uuid, parent: s.parent, type: s.type }];
          break;
      }
    }
    this.defs = defs;
    this.running = running;
  }

  definitions(filter: { uuid?: string; parent?: string } = {}): DefinedDevice[] {
    return this.defs.filter((d) => matches(d, filter));
  }

  activeDevices(filter: { uuid?: string; parent?: string } = {}): ActiveDevice[] {
    return this.running.filter((d) => matches(d, filter));
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
