// The host as core sees it: paths under the root, the definitions store, sysfs reads, and
// (opened on first use) the sysfs writer. Also the read-only HostView given to plugins.

import { normalize } from 'node:path';
import type { ActiveDevice, DefinedDevice, HostView, Logger, MdevTypeInfo } from '@mdevctl/plugin-sdk';
import { HostPaths } from './paths.js';
import { ConfigStore, type DeviceFilter } from '../store/config-store.js';
import { SysfsReader } from '../sysfs/reader.js';
import { openSysfsWriter, type SysfsWriter } from '../sysfs/writer.js';

export class Host implements HostView {
  readonly root: string;
  readonly store: ConfigStore;
  readonly sysfs: SysfsReader;
  private writerPromise: Promise<SysfsWriter> | undefined;

  constructor(
    readonly paths: HostPaths,
    readonly log: Logger,
  ) {
    this.root = paths.root;
    this.store = new ConfigStore(paths);
    this.sysfs = new SysfsReader(paths);
  }

  /** The writer for sysfs attribute files, chosen once per process. */
  writer(): Promise<SysfsWriter> {
    this.writerPromise ??= openSysfsWriter(this.paths);
    return this.writerPromise;
  }

  definitions(filter: DeviceFilter = {}): DefinedDevice[] {
    return this.store.scan(filter).devices;
  }

  activeDevices(filter: DeviceFilter = {}): ActiveDevice[] {
    return this.sysfs.activeDevices(filter);
  }

  parents(): string[] {
    return this.sysfs.parents();
  }

  types(parent?: string): MdevTypeInfo[] {
    return this.sysfs.types(parent);
  }

  readFile(relativePath: string): string | undefined {
    const rel = normalize(relativePath).replace(/^\/+/, '');
    if (rel === '..' || rel.startsWith('../')) return undefined;
    return this.sysfs.readFile(rel);
  }
}
