// The host as core sees it: paths under the root, the definitions store, and its device backends
// (`sysfs`: the mdev bus, and those plugins provide; reads and, through `changes`, writes, whose
// write side is opened on the first change). Plugins get only its read-only `view`.

import { normalize } from 'node:path';
import type {
  ActiveDevice, BackendHost, DefinedDevice, DeviceBackend, HostView, Logger, MdevTypeInfo, SysfsBackend,
} from '@mdevctl/plugin-sdk';
import { HostPaths } from './paths.js';
import { DefinitionStore, type DeviceFilter } from '../store/definition-store.js';
import { Backends } from '../sysfs/backends.js';
import { MdevBusBackend } from '../sysfs/mdev-bus.js';
import { openSysfsWrite, sysfsBackend, type SysfsWrite } from '../sysfs/writer.js';
import { MdevctlError } from '../model/errors.js';

export class Host implements HostView {
  readonly root: string;
  readonly store: DefinitionStore;
  /** The device backends: every read of parents, types and running devices goes through them. */
  readonly sysfs: Backends;
  /** What plugins get (ctx.host, query.host): the read-only methods only, frozen; never this Host. */
  readonly view: HostView;
  /**
   * Detects again the plugins' backends that found no parents yet, opening those that find some
   * now (set when the plugins load, plugins/backends.ts; a wait for parents calls it each poll).
   */
  redetect: () => Promise<void> = async () => undefined;
  private writing: Promise<void> | undefined;
  private write: SysfsWrite | undefined;

  /**
   * @param mdevBusWrites the mdev bus's write side, when the composition root (app.ts) injects one
   *   (tests); default: through the host's own write (the kernel's, or a simulated root's)
   */
  constructor(
    readonly paths: HostPaths,
    readonly log: Logger,
    private readonly mdevBusWrites?: SysfsBackend,
  ) {
    this.root = paths.root;
    this.store = new DefinitionStore(paths, (message) => log.warn(message));
    this.sysfs = new Backends(new MdevBusBackend(paths));
    this.view = Object.freeze({
      root: this.root,
      definitions: (filter?: DeviceFilter) => this.definitions(filter),
      activeDevices: (filter?: DeviceFilter) => this.activeDevices(filter),
      parents: () => this.parents(),
      types: (parent?: string) => this.types(parent),
      readFile: (relativePath: string) => this.readFile(relativePath),
    });
  }

  /** What a plugin's backend gets: the root, the host's write (once open), the log, the environment. */
  backendHost(env: Readonly<Record<string, string | undefined>>): BackendHost {
    return Object.freeze({
      root: this.root,
      log: this.log,
      env,
      write: (path: string, data: string) => {
        if (!this.write) throw new MdevctlError('Internal error: a backend wrote outside a change');
        this.write(path, data);
      },
    });
  }

  /**
   * The backend that makes a change, its write side open: the owner of `parent` (create), or the
   * backend running `uuid` (remove, attributes; the mdev bus when none runs it).
   */
  async changes(target: { readonly parent: string } | { readonly uuid: string }): Promise<DeviceBackend> {
    this.writing ??= this.openWrites();
    await this.writing;
    return 'parent' in target ? this.sysfs.ownerOf(target.parent) : this.sysfs.ownerOfDevice(target.uuid);
  }

  private async openWrites(): Promise<void> {
    const write = await openSysfsWrite(this.paths);
    this.write = write;
    this.sysfs.mdevBus.useWriteSide(this.mdevBusWrites ?? sysfsBackend(this.paths, write));
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
