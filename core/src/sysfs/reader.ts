// Reads the mdev parts of sysfs under the root: parents, their types, active devices (the
// discovery side of the built-in mdev-bus backend, sysfs/mdev-bus.ts). Under a root other than /
// (an image, a test tree), a parent, type or device whose link leads outside the root is not
// there: nothing is read from, or written to, where it leads.

import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ActiveDevice, DeviceDiscovery, MdevTypeInfo, ParentState } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { compareBytes } from '../model/order.js';
import { isUuidName } from '../model/uuid.js';
import type { DeviceFilter } from '../store/definition-store.js';
import { isDir, readOptional } from '../host/fs.js';
import { RootConfinement } from '../store/confine.js';

export class SysfsReader implements DeviceDiscovery {
  /** Undefined under the root /, where every path is inside. */
  private readonly confinement: RootConfinement | undefined;

  constructor(protected readonly paths: HostPaths) {
    this.confinement = paths.root === '/' ? undefined : new RootConfinement(paths.root);
  }

  /** Whether `path` stays inside the root once its links are followed (or is absent). */
  protected inside(path: string): boolean {
    return this.confinement === undefined || this.confinement.problem(path) === undefined;
  }

  /** Names under sys/class/mdev_bus, sorted. */
  parents(): string[] {
    const names = listDir(this.paths.parentBase);
    return (this.confinement === undefined ? names : names.filter((p) => this.inside(this.paths.parentDir(p)))).sort(compareBytes);
  }

  parentExists(parent: string): boolean {
    return isDir(this.paths.parentDir(parent)) && this.inside(this.paths.parentDir(parent));
  }

  /** A registered parent whose name differs from `parent` only in case. */
  parentWithOtherCase(parent: string): string | undefined {
    const lower = parent.toLowerCase();
    return this.parents().find((p) => p !== parent && p.toLowerCase() === lower);
  }

  /** A dir under sys/class/mdev_bus is the bus's: `ready` when it has mdev_supported_types. */
  parentState(parent: string): ParentState | undefined {
    if (!this.parentExists(parent)) return undefined;
    return this.hasTypesDir(parent) ? 'ready' : 'unregistered';
  }

  hasType(parent: string, type: string): boolean {
    return this.typeExists(parent, type);
  }

  hasAttribute(uuid: string, name: string): boolean {
    return this.deviceFileExists(uuid, name);
  }

  hasTypesDir(parent: string): boolean {
    return isDir(join(this.paths.parentDir(parent), 'mdev_supported_types'));
  }

  typeExists(parent: string, type: string): boolean {
    return isDir(this.paths.typeDir(parent, type)) && this.inside(this.paths.typeDir(parent, type));
  }

  /** Types of one parent or of all, sorted by parent then type name. */
  types(parent?: string): MdevTypeInfo[] {
    return this.typeGroups(parent).flatMap(([, types]) => types);
  }

  /** Each parent (sorted) with its types (sorted); a parent without types has an empty list. */
  typeGroups(parent?: string): Array<[string, MdevTypeInfo[]]> {
    const parents = parent === undefined ? this.parents() : this.parentExists(parent) ? [parent] : [];
    return parents.map((p) => {
      const base = join(this.paths.parentDir(p), 'mdev_supported_types');
      const names = listDir(base)
        .filter((t) => isDir(join(base, t)) && this.inside(join(base, t)))
        .sort(compareBytes);
      return [p, names.map((t) => this.readType(p, t))];
    });
  }

  typeInfo(parent: string, type: string): MdevTypeInfo | undefined {
    return this.typeExists(parent, type) ? this.readType(parent, type) : undefined;
  }

  availableInstances(parent: string, type: string): number {
    const file = join(this.paths.typeDir(parent, type), 'available_instances');
    const text = readRequired(file).trim();
    const n = Number.parseInt(text, 10);
    if (!/^-?\d+$/.test(text) || !Number.isFinite(n)) {
      throw new MdevctlError(`Invalid number ${JSON.stringify(text)} in ${file}`);
    }
    return n;
  }

  /** Devices present in sys/bus/mdev/devices, sorted by uuid. */
  activeDevices(filter: DeviceFilter = {}): ActiveDevice[] {
    const names = filter.uuid !== undefined ? [filter.uuid] : listDir(this.paths.mdevBase).sort(compareBytes);
    const out: ActiveDevice[] = [];
    for (const name of names) {
      if (!isUuidName(name)) continue;
      const dev = this.activeDevice(name);
      if (dev && (filter.parent === undefined || dev.parent === filter.parent)) out.push(dev);
    }
    return out;
  }

  /** The running device with this uuid: parent and type as sysfs has them. */
  activeDevice(uuid: string): ActiveDevice | undefined {
    const link = this.paths.device(uuid);
    try {
      // Absent (every start checks): one lstat, not realpath's readlink of each component.
      if (!lstatSync(link, { throwIfNoEntry: false })) return undefined;
      const real = realpathSync.native(link);
      if (this.confinement !== undefined && !this.confinement.isInside(real)) return undefined;
      const type = basename(realpathSync.native(join(link, 'mdev_type')));
      return { uuid, parent: basename(dirname(real)), type };
    } catch {
      return undefined;
    }
  }

  deviceFile(uuid: string, name: string): string {
    return join(this.paths.device(uuid), name);
  }

  deviceFileExists(uuid: string, name: string): boolean {
    return existsSync(this.deviceFile(uuid, name));
  }

  /** A file relative to the root, or undefined when it cannot be read. */
  readFile(relativePath: string): string | undefined {
    try {
      return readFileSync(join(this.paths.root, relativePath), 'utf8');
    } catch {
      return undefined;
    }
  }

  private readType(parent: string, type: string): MdevTypeInfo {
    const dir = this.paths.typeDir(parent, type);
    const name = readOptional(join(dir, 'name'))?.trim();
    const description = readOptional(join(dir, 'description'))?.trim().replaceAll('\n', ', ');
    return {
      parent,
      type,
      availableInstances: this.availableInstances(parent, type),
      deviceApi: readRequired(join(dir, 'device_api')).trim(),
      ...(name ? { name } : {}),
      ...(description ? { description } : {}),
    };
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readRequired(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new MdevctlError(`Unable to read ${file}: ${describeOsError(err)}`);
  }
}

