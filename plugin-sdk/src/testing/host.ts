// A HostView made of plain data, for testing plugins: definitions, running devices, types and
// files given by the test, filtered the way mdevctl's own host view filters them.

import type { HostView } from '../context.js';
import type { ActiveDevice, DefinedDevice, MdevDevice, MdevTypeInfo } from '../model.js';

export interface TestHostData {
  /** The environment root the plugin sees (default `/`). */
  readonly root?: string;
  /** Stored definitions (a missing `path` becomes `<root>/etc/mdevctl.d/<parent>/<uuid>`). */
  readonly definitions?: ReadonlyArray<MdevDevice & { readonly path?: string }>;
  readonly activeDevices?: readonly ActiveDevice[];
  readonly types?: readonly MdevTypeInfo[];
  /** Files under the root, by relative path (e.g. `sys/bus/ap/apmask`). */
  readonly files?: Readonly<Record<string, string>>;
}

type Filter = { uuid?: string; parent?: string };

const byFilter = (f: Filter = {}) => (d: { uuid: string; parent: string }) =>
  (f.uuid === undefined || d.uuid === f.uuid) && (f.parent === undefined || d.parent === f.parent);

const order = (a: { parent: string; uuid?: string; type?: string }, b: typeof a): number =>
  a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : (a.uuid ?? a.type ?? '') < (b.uuid ?? b.type ?? '') ? -1 : 1;

export function testHost(data: TestHostData = {}): HostView {
  const root = data.root ?? '/';
  const definitions: DefinedDevice[] = (data.definitions ?? []).map((d) => ({
    ...d,
    path: d.path ?? `${root.replace(/\/$/, '')}/etc/mdevctl.d/${d.parent}/${d.uuid}`,
  }));
  const types = [...(data.types ?? [])].sort(order);
  return {
    root,
    definitions: (filter) => definitions.filter(byFilter(filter)).sort(order),
    activeDevices: (filter) => (data.activeDevices ?? []).filter(byFilter(filter)),
    parents: () => [...new Set(types.map((t) => t.parent))].sort(),
    types: (parent) => types.filter((t) => parent === undefined || t.parent === parent),
    readFile: (relativePath) => data.files?.[relativePath.replace(/^\/+/, '')],
  };
}
