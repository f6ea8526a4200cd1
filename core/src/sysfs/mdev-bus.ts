// The built-in device backend: the kernel's mdev bus. Its reads are SysfsReader's; its changes go
// through the bus's write side (SysfsBackend: the kernel's, a simulated root's, or one a test
// injects), which the Host opens just before the first change (Host.changes).

import { basename, join } from 'node:path';
import { readlinkSync } from 'node:fs';
import { SysfsFiles, type BackendWatch, type ChangeFiles, type DeviceBackend, type SysfsBackend } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError } from '../model/errors.js';
import { SysfsReader } from './reader.js';

export const MDEV_BUS = 'mdev-bus';

/** The mdev bus's watch: its devices' uevents and its parents' MDEV_STATE changes (subsystem `mdev`). */
export const MDEV_BUS_WATCH: BackendWatch = Object.freeze({ kind: 'uevent', subsystems: Object.freeze(['mdev']) });

export class MdevBusBackend extends SysfsReader implements DeviceBackend {
  readonly name = MDEV_BUS;
  readonly watch = MDEV_BUS_WATCH;
  private writeSide: SysfsBackend | undefined;
  private readonly ownFiles: SysfsFiles;

  constructor(paths: HostPaths) {
    super(paths);
    this.ownFiles = new SysfsFiles(paths.root);
  }

  /** Sets the write side (the Host does, before the first change). */
  useWriteSide(writeSide: SysfsBackend): void {
    this.writeSide = writeSide;
  }

  get files(): ChangeFiles {
    return this.writeSide?.files ?? this.ownFiles;
  }

  parentDriver(parent: string): string | undefined {
    try {
      return basename(readlinkSync(join(this.paths.parentDir(parent), 'driver')));
    } catch {
      return undefined;
    }
  }

  create(parent: string, type: string, uuid: string): void {
    this.changes().create(parent, type, uuid);
  }

  remove(uuid: string): void {
    this.changes().remove(uuid);
  }

  writeAttribute(uuid: string, name: string, value: string): void {
    this.changes().writeAttribute(uuid, name, value);
  }

  private changes(): SysfsBackend {
    if (!this.writeSide) throw new MdevctlError('Internal error: the mdev bus was written before its write side was opened');
    return this.writeSide;
  }
}
