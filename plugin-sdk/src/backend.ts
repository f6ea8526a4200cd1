// The write side of sysfs as one synchronous interface: create a device, remove it, write one of
// its attributes. Core chooses one backend per run at its composition root and injects it; the
// kernel's is the default, a simulated host's comes from @mdevctl/plugin-sim. This interface is
// what a package implements to drive a host that is not the kernel's mdev bus.

import { join, resolve } from 'node:path';

/** The three changes mdevctl makes to a running host. Each throws a Node errno error on refusal. */
export interface SysfsBackend {
  /** Creates device `uuid` of `type` on `parent` (upstream: echo uuid > …/<type>/create). */
  create(parent: string, type: string, uuid: string): void;
  /** Removes active device `uuid` (echo 1 > …/<uuid>/remove). */
  remove(uuid: string): void;
  /** Writes one attribute of active device `uuid` (echo value > …/<uuid>/<name>). */
  writeAttribute(uuid: string, name: string, value: string): void;
  /** The file each change writes, for messages (the kernel names no other place). */
  readonly files: SysfsFiles;
}

/** Where the mdev bus's writable files are under an environment root. */
export class SysfsFiles {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  create(parent: string, type: string): string {
    return join(this.root, 'sys/class/mdev_bus', parent, 'mdev_supported_types', type, 'create');
  }
  remove(uuid: string): string {
    return join(this.root, 'sys/bus/mdev/devices', uuid, 'remove');
  }
  attribute(uuid: string, name: string): string {
    return join(this.root, 'sys/bus/mdev/devices', uuid, name);
  }
}

/**
 * A backend over the mdev bus's files under `root`, each change one `write(path, data)` (as
 * `echo -n data > path`): the kernel's own, or anything that reacts to those writes as it does.
 */
export function fileBackend(root: string, write: (path: string, data: string) => void): SysfsBackend {
  const files = new SysfsFiles(root);
  return {
    files,
    create: (parent, type, uuid) => write(files.create(parent, type), uuid),
    remove: (uuid) => write(files.remove(uuid), '1'),
    writeAttribute: (uuid, name, value) => write(files.attribute(uuid, name), value),
  };
}
