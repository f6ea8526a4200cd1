// The host as core sees it: paths under the root, the definitions store, sysfs reads, and the
// sysfs backend (the write side, injected by the composition root; opened on first use). Plugins
// get only its read-only `view`.

import { normalize } from 'node:path';
import type { ActiveDevice, DefinedDevice, HostView, Logger, MdevTypeInfo, SysfsBackend } from '@mdevctl/plugin-sdk';
import { HostPaths } from './paths.js';
import { DefinitionStore, type DeviceFilter } from '../store/definition-store.js';
import { SysfsReader } from '../sysfs/reader.js';
import { openSysfsBackend } from '../sysfs/writer.js';

export class Host implements HostView {
  readonly root: string;
  readonly store: DefinitionStore;
  readonly sysfs: SysfsReader;
  /** What plugins get (ctx.host, query.host): the read-only methods only, frozen; never this Host. */
  readonly view: HostView;
  private backendPromise: Promise<SysfsBackend> | undefined;

  /**
   * @param openBackend opens the sysfs backend, once, on the first write (default: the one the
   *   host's root calls for, see sysfs/writer.ts; the composition root, app.ts, passes its choice)
   */
  constructor(
    readonly paths: HostPaths,
    readonly log: Logger,
    private readonly openBackend: () => SysfsBackend | Promise<SysfsBackend> = () => openSysfsBackend(paths),
  ) {
    this.root = paths.root;
    this.store = new DefinitionStore(paths, (message) => log.warn(message));
    this.sysfs = new SysfsReader(paths);
    this.view = Object.freeze({
      root: this.root,
      definitions: (filter?: DeviceFilter) => this.definitions(filter),
      activeDevices: (filter?: DeviceFilter) => this.activeDevices(filter),
      parents: () => this.parents(),
      types: (parent?: string) => this.types(parent),
      readFile: (relativePath: string) => this.readFile(relativePath),
    });
  }

  /** The sysfs backend (create, remove, write attribute), opened once. */
  backend(): Promise<SysfsBackend> {
    this.backendPromise ??= Promise.resolve().then(this.openBackend);
    return this.backendPromise;
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
