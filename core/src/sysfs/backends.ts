// The device backends of one host, as every command sees them: the ones plugins provide (in plugin
// order) and the kernel's mdev bus last. Each parent is the first backend's whose parentState
// answers (the mdev bus's when none does: its messages say the parent is not there); each
// running device the first backend's that reports it. Reads merge the backends, sorted as the
// mdev bus sorts (bytewise); with no plugin backend every read is the mdev bus's own, unchanged.
// A plugin backend's failure is one line naming it.

import { isVerbatim, type ActiveDevice, type ActiveDeviceFilter, type DeviceBackend, type MdevTypeInfo } from '@mdevctl/plugin-sdk';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { compareBytes } from '../model/order.js';
import { MdevBusBackend } from './mdev-bus.js';

export class Backends {
  private plugged: readonly DeviceBackend[] = [];

  constructor(readonly mdevBus: MdevBusBackend) {}

  /** Adds backends plugins opened; they are asked before the mdev bus, in this order. */
  add(backends: readonly DeviceBackend[]): void {
    this.plugged = [...this.plugged, ...backends];
  }

  /** Every backend, in the order they are asked: the plugins' ones, then the mdev bus. */
  all(): readonly DeviceBackend[] {
    return [...this.plugged, this.mdevBus];
  }

  /** The backend that owns `parent`: the first whose parentState answers; else the mdev bus. */
  ownerOf(parent: string): DeviceBackend {
    for (const b of this.plugged) if (ask(b, () => b.parentState(parent)) !== undefined) return b;
    return this.mdevBus;
  }

  /** The backend that changes running device `uuid`: the one running it, else the mdev bus. */
  ownerOfDevice(uuid: string): DeviceBackend {
    if (this.plugged.length === 0) return this.mdevBus;
    return this.running(uuid)?.backend ?? this.mdevBus;
  }

  /** The running device `uuid` and its backend: the first that reports it. */
  running(uuid: string): { backend: DeviceBackend; device: ActiveDevice } | undefined {
    for (const backend of this.plugged) {
      const device = ask(backend, () => backend.activeDevice(uuid));
      if (device) return { backend, device };
    }
    const device = this.mdevBus.activeDevice(uuid);
    return device ? { backend: this.mdevBus, device } : undefined;
  }

  /** Every parent, sorted; a name two backends list is the first's. */
  parents(): string[] {
    if (this.plugged.length === 0) return this.mdevBus.parents();
    const names = new Set<string>();
    for (const b of this.all()) for (const p of ask(b, () => b.parents())) names.add(p);
    return [...names].sort(compareBytes);
  }

  parentExists(parent: string): boolean {
    if (this.plugged.length === 0) return this.mdevBus.parentExists(parent);
    const b = this.ownerOf(parent);
    return ask(b, () => b.parentState(parent)) !== undefined;
  }

  /** A parent whose name differs from `parent` only in case. */
  parentWithOtherCase(parent: string): string | undefined {
    const lower = parent.toLowerCase();
    return this.parents().find((p) => p !== parent && p.toLowerCase() === lower);
  }

  /** True when the parent is there and offers types (mdev bus: it has mdev_supported_types). */
  hasTypesDir(parent: string): boolean {
    if (this.plugged.length === 0) return this.mdevBus.hasTypesDir(parent);
    const b = this.ownerOf(parent);
    return ask(b, () => b.parentState(parent)) === 'ready';
  }

  typeExists(parent: string, type: string): boolean {
    const b = this.ownerOf(parent);
    return ask(b, () => b.hasType(parent, type));
  }

  availableInstances(parent: string, type: string): number {
    const b = this.ownerOf(parent);
    return ask(b, () => b.availableInstances(parent, type));
  }

  /** The driver the parent device is bound to, when its backend knows. */
  parentDriver(parent: string): string | undefined {
    const b = this.ownerOf(parent);
    return ask(b, () => b.parentDriver?.(parent));
  }

  /** Types of one parent or of all, sorted by parent then type name. */
  types(parent?: string): MdevTypeInfo[] {
    return this.typeGroups(parent).flatMap(([, types]) => types);
  }

  /** Each parent (sorted) with its types (sorted); a parent without types has an empty list. */
  typeGroups(parent?: string): Array<[string, MdevTypeInfo[]]> {
    if (this.plugged.length === 0) return this.mdevBus.typeGroups(parent);
    const parents = parent === undefined ? this.parents() : this.parentExists(parent) ? [parent] : [];
    return parents.map((p) => {
      const b = this.ownerOf(p);
      return [p, ask(b, () => (b.parentState(p) === 'ready' ? b.types(p) : []))];
    });
  }

  /** Running devices, sorted by uuid; a uuid two backends report is the first's. */
  activeDevices(filter: ActiveDeviceFilter = {}): ActiveDevice[] {
    if (this.plugged.length === 0) return this.mdevBus.activeDevices(filter);
    const byUuid = new Map<string, ActiveDevice>();
    for (const b of this.all()) {
      for (const d of ask(b, () => b.activeDevices(filter))) {
        if (filter.uuid !== undefined && d.uuid !== filter.uuid) continue;
        if (filter.parent !== undefined && d.parent !== filter.parent) continue;
        if (!byUuid.has(d.uuid)) byUuid.set(d.uuid, d);
      }
    }
    return [...byUuid.values()].sort((a, b) => compareBytes(a.uuid, b.uuid));
  }

  /** The running device with this uuid: parent and type as its backend has them. */
  activeDevice(uuid: string): ActiveDevice | undefined {
    if (this.plugged.length === 0) return this.mdevBus.activeDevice(uuid);
    return this.running(uuid)?.device;
  }

  /** True when running device `uuid` has an attribute `name` to write. */
  deviceFileExists(uuid: string, name: string): boolean {
    const b = this.ownerOfDevice(uuid);
    return ask(b, () => b.hasAttribute(uuid, name));
  }

  /** A file relative to the root, or undefined when it cannot be read. */
  readFile(relativePath: string): string | undefined {
    return this.mdevBus.readFile(relativePath);
  }
}

/**
 * Runs a read of backend `b`: core's own (the mdev bus) as it is; a plugin's failure becomes one
 * line naming the backend (a VerbatimError's as it stands).
 */
export function ask<T>(b: DeviceBackend, read: () => T): T {
  if (b instanceof MdevBusBackend) return read();
  try {
    return read();
  } catch (err) {
    if (err instanceof MdevctlError) throw err;
    if (isVerbatim(err)) throw new MdevctlError(firstLine(messageOf(err)), { cause: err });
    throw new MdevctlError(`Backend ${b.name}: ${firstLine(messageOf(err))}`, { cause: err });
  }
}
