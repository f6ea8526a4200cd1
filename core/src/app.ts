// The mdevctl application: one host, one set of hooks with core's and the plugins' taps, and a
// method per command. The CLI is a thin layer over this; tests and tools can use it directly.

import { existsSync } from 'node:fs';
import type { Logger, MdevctlHooks, MdevctlPlugin, MdevDevice, CommandRequest } from '@mdevctl/plugin-sdk';
import { Host } from './host/host.js';
import { HostPaths } from './host/paths.js';
import { StderrLogger } from './host/log.js';
import { createHooks } from './lifecycle/hooks.js';
import { LifecyclePipeline } from './lifecycle/pipeline.js';
import { CoreLifecyclePlugin } from './lifecycle/core/plugin.js';
import { applyPlugins } from './plugins/apply.js';
import { FileLock } from './host/file-lock.js';
import { builtinPlugins } from './plugins/builtin.js';
import { MdevctlError, messageOf } from './model/errors.js';
import { compareBytes } from './model/order.js';
import { formatListJson, formatListText, type ListEntry } from './output/devices.js';
import { formatTypesJson, formatTypesText } from './output/types.js';

export interface MdevctlOptions {
  /** Environment root; default MDEVCTL_ENV_ROOT or `/`. */
  readonly root?: string;
  readonly log?: Logger;
  /** Plugins applied after the built-in ones. */
  readonly plugins?: readonly MdevctlPlugin[];
  /** Load the built-in plugins (default true). */
  readonly builtins?: boolean;
}

export interface ListOptions {
  readonly defined?: boolean;
  readonly uuid?: string | undefined;
  readonly parent?: string | undefined;
  readonly verbose?: boolean;
  readonly dumpjson?: boolean;
}

export interface TypesOptions {
  readonly parent?: string | undefined;
  readonly dumpjson?: boolean;
}

type Request<A extends CommandRequest['action']> = Omit<Extract<CommandRequest, { action: A }>, 'action'>;

export class Mdevctl {
  readonly hooks: MdevctlHooks;
  readonly host: Host;
  private readonly pipeline: LifecyclePipeline;
  private readonly lock: FileLock;

  constructor(options: MdevctlOptions = {}) {
    const paths = options.root !== undefined ? new HostPaths(options.root) : HostPaths.fromEnv();
    this.host = new Host(paths, options.log ?? StderrLogger.fromEnv());
    this.hooks = createHooks();
    new CoreLifecyclePlugin(this.host).apply(this.hooks);
    applyPlugins(this.hooks, [...(options.builtins === false ? [] : builtinPlugins()), ...(options.plugins ?? [])]);
    this.pipeline = new LifecyclePipeline(this.hooks, this.host);
    this.lock = definitionsLock(paths.configBase);
  }

  /** The dirs a working installation has (SPEC §1); throws naming the first one missing. */
  selfCheck(): void {
    for (const dir of this.host.paths.requiredDirs()) {
      if (!existsSync(dir)) {
        throw new MdevctlError(
          `Required directory ${JSON.stringify(dir)} doesn't exist. This may indicate a packaging or installation error`,
        );
      }
    }
  }

  define(req: Request<'define'>, force = false): Promise<MdevDevice> {
    return this.mutating(() => this.pipeline.run({ action: 'define', ...req }, { force }));
  }

  /** Removes every matching definition (all parents unless one is given). */
  undefine(uuid: string, parent: string | undefined, force = false): Promise<void> {
    return this.mutating(() => this.undefineAll(uuid, parent, force));
  }

  private async undefineAll(uuid: string, parent: string | undefined, force: boolean): Promise<void> {
    const scan = this.host.store.scan({ uuid, parent });
    const targets = [...scan.devices.map((d) => d.parent), ...scan.problems.map((p) => parentOf(p.path))];
    if (targets.length === 0) throw new MdevctlError('No devices match the specified uuid');
    let failed = false;
    for (const target of targets) {
      try {
        await this.pipeline.run({ action: 'undefine', uuid, parent: target }, { force });
      } catch (err) {
        if (targets.length === 1) throw err;
        failed = true;
        this.host.log.warn(`Undefine of ${uuid} on parent ${target} failed with error: ${messageOf(err)}`);
      }
    }
    if (failed) throw new MdevctlError('Undefine failed');
  }

  modify(req: Request<'modify'>, force = false): Promise<MdevDevice> {
    return this.mutating(() => this.pipeline.run({ action: 'modify', ...req }, { force }));
  }

  start(req: Request<'start'>, force = false): Promise<MdevDevice> {
    return this.mutating(() => this.pipeline.run({ action: 'start', ...req }, { force }));
  }

  stop(uuid: string, force = false): Promise<MdevDevice> {
    return this.mutating(() => this.pipeline.run({ action: 'stop', uuid }, { force }));
  }

  /** Starts every `auto` definition of the parent; a failure is logged and the rest go on. */
  startParentMdevs(parent: string): Promise<void> {
    return this.mutating(() => this.startAuto(parent));
  }

  private async startAuto(parent: string): Promise<void> {
    const scan = this.host.store.scan({ parent });
    for (const p of scan.problems) this.host.log.warn(p.message);
    for (const def of scan.devices) {
      if (def.start !== 'auto') continue;
      try {
        await this.pipeline.run({ action: 'start', uuid: def.uuid, parent: def.parent }, { force: false });
      } catch (err) {
        for (const line of messageOf(err).split('\n')) this.host.log.warn(line);
      }
    }
  }

  /** The `list` output (text or JSON), exactly as printed. */
  async list(opts: ListOptions = {}): Promise<string> {
    const filter = { uuid: opts.uuid, parent: opts.parent };
    const entries = opts.defined ? this.definedEntries(filter) : await this.activeEntries(filter);
    return opts.dumpjson
      ? formatListJson(entries, opts.uuid !== undefined)
      : formatListText(entries, opts.verbose === true);
  }

  /** The `types` output (text or JSON), exactly as printed. */
  types(opts: TypesOptions = {}): string {
    const groups = this.host.sysfs.typeGroups(opts.parent);
    return opts.dumpjson ? formatTypesJson(groups) : formatTypesText(groups);
  }

  /** Runs a mutating command under the definitions lock. */
  private mutating<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.runAsync(fn);
  }

  private definedEntries(filter: { uuid?: string | undefined; parent?: string | undefined }): ListEntry[] {
    const scan = this.host.store.scan(filter);
    for (const p of scan.problems) this.host.log.warn(p.message);
    return scan.devices.map((def): ListEntry => {
      const active = this.host.sysfs.activeDevice(def.uuid);
      const running = active !== undefined && active.parent === def.parent && active.type === def.type;
      const device = { uuid: def.uuid, parent: def.parent, type: def.type, start: def.start, attrs: def.attrs };
      return running ? { device, marker: '(active)' } : { device };
    });
  }

  private async activeEntries(filter: { uuid?: string | undefined; parent?: string | undefined }): Promise<ListEntry[]> {
    const out: ListEntry[] = [];
    const query = { host: this.host, log: this.host.log };
    const devices = this.host.sysfs
      .activeDevices(filter)
      .sort((a, b) => compareBytes(a.parent, b.parent) || compareBytes(a.uuid, b.uuid));
    for (const active of devices) {
      let start: MdevDevice['start'] = 'manual';
      try {
        start = this.host.store.read(active.parent, active.uuid)?.start ?? 'manual';
      } catch (err) {
        this.host.log.warn(messageOf(err));
      }
      const attrs = (await this.hooks.query.activeAttributes.promise(active, query)) ?? [];
      const device = { ...active, start, attrs };
      out.push(this.host.store.exists(active.parent, active.uuid) ? { device, marker: '(defined)' } : { device });
    }
    return out;
  }
}

/** Mutating commands hold one lock on the definitions dir; reading commands take none. */
function definitionsLock(configBase: string): FileLock {
  return new FileLock(
    configBase,
    LOCK_FILE,
    (pid, ms) =>
      new MdevctlError(
        `Another mdevctl command${pid !== undefined ? ` (pid ${pid})` : ''} holds ${configBase}/${LOCK_FILE}; gave up after ${Math.round(ms / 1000)}s`,
      ),
    LOCK_WAIT_MS,
  );
}

const LOCK_FILE = '.mdevctl.lock';
const LOCK_WAIT_MS = 120_000;

function parentOf(definitionPath: string): string {
  const parts = definitionPath.split('/');
  return parts[parts.length - 2] ?? '';
}
