// The mdev bus's write side as one synchronous interface: create a device, remove it, write one
// of its attributes, through the bus's own files. Core's built-in mdev-bus backend makes its
// changes through one (the kernel's, or a simulated root's from @mdevctl/plugin-sim; tests inject
// their own). A host that is not the mdev bus is a DeviceBackend (device-backend.ts) instead.

import { join, resolve } from 'node:path';
import type { DeviceChanges } from './device-backend.js';

/** The mdev bus's three changes, each one write to the bus's files (`files`). */
export interface SysfsBackend extends DeviceChanges {
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
