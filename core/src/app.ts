// The mdevctl application: one host, one set of hooks with core's and the plugins' taps, and a
// method per command. The CLI is a thin layer over this; tests and tools can use it directly.
// Plugins (and the configuration file that chooses them) are loaded on the first command, so
// opening the application costs nothing and `--help` never reads the configuration.

import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { basename } from 'node:path';
import {
  type DefinedDevice, type Logger, type MdevctlPlugin, type MdevDevice, type MdevTypeInfo, type CommandRequest, type SysfsBackend,
} from '@mdevctl/plugin-sdk';
import { Host } from './host/host.js';
import { HostPaths } from './host/paths.js';
import { StderrLogger } from './host/log.js';
import { createHooks, type CoreHooks } from './lifecycle/hooks.js';
import { Transactions } from './lifecycle/transaction.js';
import { LifecyclePipeline } from './lifecycle/pipeline.js';
import { CoreLifecyclePlugin } from './lifecycle/builtin/plugin.js';
import { CORE_SOURCE } from './lifecycle/builtin/checks.js';
import { diagnosticText } from './lifecycle/diagnostics.js';
import { InputFiles } from './lifecycle/builtin/jsonfile.js';
import { applyPlugins } from './plugins/apply.js';
import { openPluginBackends } from './plugins/backends.js';
import { definitionsLock, lockDir, type DefinitionsLock } from './store/definitions-lock.js';
import { IntentLog } from './lifecycle/intent.js';
import { recoverInterrupted } from './lifecycle/recovery.js';
import { armCrashHook } from './lifecycle/crash-hook.js';
import { BUILTIN_PLUGINS } from './plugins/builtin.js';
import { configuredPlugins } from './plugins/configured.js';
import { CONFIG_ENV } from './config/places.js';
import { loadSettings } from './config/load.js';
import { DEFAULT_SETTINGS } from './config/settings.js';
import { Listing } from './output/listing.js';
import { MdevctlError, ValidationFailed, firstLine, messageOf } from './model/errors.js';
import { formatListJson, formatListText, type ListEntry } from './output/devices.js';
import { formatTypesJson, formatTypesText } from './output/types.js';
import type { DesiredState } from './desired/service.js';
import { isolatedRunDirWarning } from './host/deployment.js';
import { virtualFunctions } from './sysfs/pci.js';
import { compareBytes } from './model/order.js';
import { applyBuiltinPlacement } from './desired/policies.js';
import { Monitor, type MonitorOptions, type WriteLine } from './monitor/monitor.js';

export interface MdevctlOptions {
  /** Environment root; default MDEVCTL_ENV_ROOT or `/`. */
  readonly root?: string;
  readonly log?: Logger;
  /** Plugins applied after the built-in ones and those of the configuration file. */
  readonly plugins?: readonly MdevctlPlugin[];
  /** Load the built-in plugins (default true; the configuration file can still turn some off). */
  readonly builtins?: boolean;
  /**
   * The configuration file: a path to read, or false to read none. Default: $MDEVCTL_CONFIG, else
   * the first of ROOT/etc/mdevctl.d/mdevctl.config.{json,yaml,yml,js,mjs,cjs}.
   */
  readonly config?: string | false;
  /** The environment (MDEVCTL_CONFIG, npm_config_prefix; the plugins get it too); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where plugins write to the user (call-out scripts' stderr); default process.stderr. */
  readonly writeStderr?: (text: string) => void;
  /**
   * The mdev bus's write side. Default: the kernel's, or a simulated host's (@mdevctl/plugin-sim)
   * when the root is one; tests inject their own. (Plugins' backends write through the default.)
   */
  readonly backend?: SysfsBackend;
}

export interface ListOptions {
  readonly defined?: boolean;
  readonly uuid?: string | undefined;
  readonly parent?: string | undefined;
  readonly verbose?: boolean;
  readonly dumpjson?: boolean;
  /** `-x`: add what core (`Claimed by`) and plugins (listing hooks) say about each device. */
  readonly extended?: boolean;
}

export interface TypesOptions {
  readonly parent?: string | undefined;
  readonly dumpjson?: boolean;
  /** `-x`: add what core (`Claimed by`) and plugins (listing hooks) say about each type. */
  readonly extended?: boolean;
}

export interface ValidationReport {
  /** One line per problem, in definition order. */
  readonly lines: readonly string[];
  /** How many definitions were checked. */
  readonly checked: number;
  /** How many of the lines are errors. */
  readonly errors: number;
}

type Request<A extends CommandRequest['action']> = Omit<Extract<CommandRequest, { action: A }>, 'action'>;

export class Mdevctl {
  readonly hooks: CoreHooks;
  readonly host: Host;
  private readonly pipeline: LifecyclePipeline;
  private readonly listing: Listing;
  private lock: DefinitionsLock | undefined;
  private readonly intents: IntentLog;
  private loading: Promise<readonly MdevctlPlugin[]> | undefined;
  /** --jsonfile inputs, read before the lock (lifecycle/builtin/jsonfile.ts). */
  private readonly inputs = new InputFiles();

  constructor(private readonly options: MdevctlOptions = {}) {
    const paths = options.root !== undefined ? new HostPaths(options.root) : HostPaths.fromEnv();
    this.host = new Host(paths, options.log ?? StderrLogger.fromEnv(), options.backend);
    this.hooks = createHooks();
    this.intents = new IntentLog(lockDir(paths));
    const transactions = new Transactions(this.intents);
    new CoreLifecyclePlugin(this.host, transactions, this.inputs).apply(this.hooks);
    applyBuiltinPlacement(this.hooks.placement);
    this.pipeline = new LifecyclePipeline(this.hooks, this.host, transactions);
    this.listing = new Listing(this.host, this.hooks);
    armCrashHook(options.env ?? process.env);
  }

  /**
   * Reads the configuration file and loads and applies the plugins, once; every command does
   * this first. Resolves to the plugins, in the order they tap.
   */
  plugins(): Promise<readonly MdevctlPlugin[]> {
    this.loading ??= this.loadPlugins();
    return this.loading;
  }

  private async loadPlugins(): Promise<readonly MdevctlPlugin[]> {
    const o = this.options;
    const env = o.env ?? process.env;
    const settings =
      o.config === false
        ? DEFAULT_SETTINGS
        : await loadSettings(this.host.paths, { override: o.config ?? env[CONFIG_ENV], env, builtins: BUILTIN_PLUGINS });
    const environment = { env, writeStderr: o.writeStderr ?? ((text: string) => void process.stderr.write(text)) };
    const plugins = [...(await configuredPlugins(settings, { builtins: o.builtins !== false, environment })), ...(o.plugins ?? [])];
    applyPlugins(this.hooks, plugins);
    await openPluginBackends(this.host, plugins, env);
    return plugins;
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

  /** Takes the lock only to take back what a command that died half-way left (import-legacy runs this first). */
  recover(): Promise<void> {
    return this.mutating(async () => undefined);
  }

  define(req: Request<'define'>, force = false): Promise<MdevDevice> {
    this.inputs.preload(req.jsonfile);
    return this.mutating(() => this.pipeline.run({ action: 'define', ...req }, { force }));
  }

  /** Removes every matching definition (all parents unless one is given). */
  undefine(uuid: string, parent: string | undefined, force = false): Promise<void> {
    return this.mutating(() => this.undefineAll(uuid, parent, force));
  }

  private async undefineAll(uuid: string, parent: string | undefined, force: boolean): Promise<void> {
    const scan = this.host.store.scan({ uuid, parent });
    const targets = [...scan.devices.map((d) => d.parent), ...scan.problems.flatMap((p) => p.parent ?? [])];
    const dirProblem = scan.problems.find((p) => p.parent === undefined);
    if (targets.length === 0) throw new MdevctlError(dirProblem?.message ?? 'No devices match the specified uuid');
    // A file that holds no valid config is no dead end: removed, without call-outs (they get a config).
    const unparsable = new Map(scan.problems.flatMap((p) => (p.unparsable && p.parent !== undefined ? [[p.parent, p] as const] : [])));
    let failed = false;
    for (const target of targets) {
      try {
        const bad = unparsable.get(target);
        if (bad !== undefined) {
          this.host.store.remove(target, uuid);
          this.host.log.warn(`Removed ${bad.path}, which is no valid definition (${bad.message}); the call-out scripts were not run, as there is no config to give them`);
          continue;
        }
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
    this.inputs.preload(req.jsonfile);
    return this.mutating(() => this.pipeline.run({ action: 'modify', ...req }, { force }));
  }

  start(req: Request<'start'>, force = false): Promise<MdevDevice> {
    this.inputs.preload(req.jsonfile);
    return this.mutating(() => this.pipeline.run({ action: 'start', ...req }, { force }));
  }

  stop(uuid: string, force = false): Promise<MdevDevice> {
    return this.mutating(() => this.pipeline.run({ action: 'stop', uuid }, { force }));
  }

  /** Starts every `auto` definition of the parent; a failure is logged and the rest go on. */
  /** Resolves to the uuids of the `auto` devices that are not running once it has tried them all. */
  startParentMdevs(parent: string, onProgress?: (done: number, total: number, uuid: string) => void): Promise<string[]> {
    return this.mutating(() => this.startAuto(parent, onProgress));
  }

  private async startAuto(parent: string, onProgress?: (done: number, total: number, uuid: string) => void): Promise<string[]> {
    const scan = this.host.store.scan({ parent });
    for (const p of scan.problems) this.host.log.warn(p.message);
    const auto = scan.devices.filter((def) => def.start === 'auto');
    // Each start looks its definition up again: the scan just read it, under the same lock.
    this.host.store.pin(auto);
    try {
      return await this.startEach(auto, onProgress);
    } finally {
      this.host.store.pin([]);
    }
  }

  /**
   * start-parent-mdevs --physfn PF (the boot unit of vGPUs on SR-IOV virtual functions): a plugin's
   * backend allowed to may first enable the PF's VFs (BackendProvider.prepare; its failure fails
   * the command with one line); then, waiting up to `seconds` for every VF of the PF that has
   * `auto` definitions to become a parent, those devices start in uuid order under one lock. A VF
   * still missing at the deadline is one warning; the others start anyway. Resolves to the uuids
   * that did not start (those of missing VFs included).
   */
  async startPhysfnMdevs(pf: string, seconds: number, onProgress?: (done: number, total: number, uuid: string) => void): Promise<string[]> {
    const plugins = await this.plugins();
    const env = this.options.env ?? process.env;
    const backendHost = this.host.backendHost(env);
    for (const plugin of plugins) {
      for (const provider of plugin.backends ?? []) {
        let said: string | undefined;
        try {
          said = provider.prepare?.(backendHost, pf);
        } catch (err) {
          throw new MdevctlError(`${provider.name}: ${firstLine(messageOf(err))}`, { cause: err });
        }
        if (said !== undefined) this.host.log.info(`${provider.name}: ${said}`);
      }
    }
    // A backend that found nothing before (no VFs yet) may find them now.
    await this.host.redetect();
    const waiting = (): string[] => {
      const vfs = new Set(virtualFunctions(this.host.root, pf));
      const scan = this.host.store.scan();
      const parents = new Set(scan.devices.filter((d) => d.start === 'auto' && vfs.has(d.parent)).map((d) => d.parent));
      return [...parents].filter((p) => !(this.host.sysfs.parentExists(p) && this.host.sysfs.hasTypesDir(p)));
    };
    const deadline = Date.now() + seconds * 1000;
    let missing = waiting();
    for (let interval = 20; missing.length > 0 && Date.now() < deadline; interval = Math.min(interval * 2, 500)) {
      await delay(Math.min(interval, Math.max(1, deadline - Date.now())));
      await this.host.redetect();
      missing = waiting();
    }
    for (const p of missing) {
      this.host.log.warn(`${p}: not a parent after ${seconds}s (a virtual function of ${pf} that offers no types yet); its auto devices are not started`);
    }
    const skip = new Set(missing);
    return this.mutating(async () => {
      const vfs = new Set(virtualFunctions(this.host.root, pf));
      const scan = this.host.store.scan();
      for (const p of scan.problems) this.host.log.warn(p.message);
      const mine = scan.devices.filter((d) => d.start === 'auto' && vfs.has(d.parent)).sort((a, b) => compareBytes(a.uuid, b.uuid));
      const auto = mine.filter((d) => !skip.has(d.parent));
      this.host.store.pin(auto);
      try {
        const down = await this.startEach(auto, onProgress);
        return [...mine.filter((d) => skip.has(d.parent)).map((d) => d.uuid), ...down].sort(compareBytes);
      } finally {
        this.host.store.pin([]);
      }
    });
  }

  private async startEach(auto: readonly DefinedDevice[], onProgress?: (done: number, total: number, uuid: string) => void): Promise<string[]> {
    const down: string[] = [];
    for (const [i, def] of auto.entries()) {
      onProgress?.(i + 1, auto.length, def.uuid);
      try {
        await this.pipeline.run({ action: 'start', uuid: def.uuid, parent: def.parent }, { force: false });
      } catch (err) {
        // A device a plugin's checks refuse is skipped with one line naming it and every problem;
        // core's own refusals (`Device U already exists: …`) are logged as upstream logs them.
        if (err instanceof ValidationFailed && err.sources.some((s) => s !== CORE_SOURCE)) {
          this.host.log.warn(`Skipping ${def.uuid}: ${err.problems.join('; ')}`);
        } else for (const line of messageOf(err).split('\n')) this.host.log.warn(line);
        // Already running there (udev ran us twice): up, as the boot wants it.
        if (this.host.sysfs.activeDevice(def.uuid)?.parent !== def.parent) down.push(def.uuid);
      }
    }
    return down;
  }

  /**
   * `mdevctl validate`: the checks a start would run, for every stored definition (or those the
   * filter picks), against the whole host; nothing is written and no call-out runs. Resolves to
   * one line per problem (`<parent>/<uuid>: error|warning: <message>`) and whether any is an error.
   */
  async validate(filter: { uuid?: string | undefined; parent?: string | undefined } = {}): Promise<ValidationReport> {
    await this.plugins();
    const scan = this.host.store.scan(filter);
    const lines: string[] = [];
    let errors = 0;
    for (const p of scan.problems) {
      lines.push(`${parentOf(p.path)}/${basename(p.path)}: error: ${p.message}`);
      errors++;
    }
    if (filter.uuid !== undefined && scan.devices.length === 0 && scan.problems.length === 0) {
      throw new MdevctlError('No devices match the specified uuid');
    }
    for (const def of scan.devices) {
      const at = `${def.parent}/${def.uuid}`;
      try {
        const { diagnostics } = await this.pipeline.check(def.uuid, def.parent);
        for (const d of diagnostics) {
          lines.push(`${at}: ${d.severity}: ${diagnosticText(d)}`);
          if (d.severity === 'error') errors++;
        }
      } catch (err) {
        lines.push(`${at}: error: ${firstLine(messageOf(err))}`);
        errors++;
      }
    }
    return { lines, checked: scan.devices.length + scan.problems.length, errors };
  }

  /** `apply`, `diff` and `assert` of a desired-state file (desired/service.ts, loaded only for them). */
  async desiredState(): Promise<DesiredState> {
    const { DesiredState } = await import('./desired/service.js');
    return new DesiredState({
      host: this.host,
      hooks: this.hooks,
      plugins: () => this.plugins(),
      run: (request) => this.pipeline.run(request, { force: false }),
      mutating: (fn) => this.mutating(fn),
    });
  }

  /** The `list` output (text or JSON), exactly as printed. */
  async list(opts: ListOptions = {}): Promise<string> {
    let entries = await this.listing.entries(opts, await this.plugins());
    // libvirt reads this JSON and takes every entry for an mdev: only what is on the mdev bus (docs/COMPATIBILITY.md).
    if (opts.dumpjson && !opts.extended) entries = entries.filter((e) => this.host.sysfs.ownerOf(e.device.parent).onMdevBus !== false);
    return opts.dumpjson
      ? formatListJson(entries, opts.uuid !== undefined)
      : formatListText(entries, opts.verbose === true);
  }

  /** The devices `list` shows (running ones, or with `defined` the definitions), unformatted. */
  async devices(opts: Pick<ListOptions, 'defined' | 'uuid' | 'parent'> = {}): Promise<ListEntry[]> {
    return this.listing.entries(opts, await this.plugins());
  }

  /** The types of each parent (one parent's with `parent`), as `types` shows them, unformatted. */
  async typeGroups(parent?: string): Promise<Array<[string, MdevTypeInfo[]]>> {
    await this.plugins();
    return this.host.sysfs.typeGroups(parent);
  }

  /** Where `uuid` is: running or not, the parents it is defined on, and how many of its definitions cannot be read. */
  async whereIs(uuid: string): Promise<{ running: boolean; definedOn: string[]; unreadable: number }> {
    await this.plugins();
    const scan = this.host.store.scan({ uuid });
    return {
      running: this.host.sysfs.activeDevice(uuid) !== undefined,
      definedOn: scan.devices.map((d) => d.parent),
      unreadable: scan.problems.length,
    };
  }

  /**
   * `monitor`: prints one line per change of the definitions, running devices and parents until
   * a bound, a signal or a closed stdout (writeLine false); resolves to the exit status. Takes
   * no lock and writes nothing to the host.
   */
  async monitor(opts: MonitorOptions, writeLine: WriteLine): Promise<number> {
    await this.plugins();
    const { paths, store, log } = this.host;
    // Every backend the plugins opened for this host, then the mdev bus: each brings its watch.
    const backends = () => this.host.sysfs.all();
    const redetect = () => this.host.redetect();
    return new Monitor({ paths, store, log, env: this.options.env ?? process.env, backends, redetect }, opts, writeLine).run();
  }

  /** The `types` output (text or JSON), exactly as printed. */
  async types(opts: TypesOptions = {}): Promise<string> {
    const plugins = await this.plugins();
    const groups = this.host.sysfs.typeGroups(opts.parent);
    const extras = opts.extended ? await this.listing.typeExtras(groups.flatMap(([, types]) => types), plugins, opts) : undefined;
    return opts.dumpjson ? formatTypesJson(groups, extras) : formatTypesText(groups, extras);
  }

  /**
   * Runs a mutating command under the definitions lock, once the plugins are loaded, after
   * taking back what a command that died half-way left (lifecycle/recovery.ts).
   */
  private async mutating<T>(fn: () => Promise<T>): Promise<T> {
    await this.plugins();
    // Built here, so that only mutating commands read MDEVCTL_LOCK_WAIT (and refuse a bad one).
    this.lock ??= definitionsLock(this.host.paths, this.host.log, this.options.env ?? process.env);
    // A container sharing the host's definitions but not its run dir: said on every change.
    const isolated = isolatedRunDirWarning(this.host.paths, this.options.env ?? process.env);
    if (isolated !== undefined) this.host.log.warn(isolated);
    return this.lock.runAsync(async () => {
      try {
        await recoverInterrupted(this.host, this.intents);
        return await fn();
      } finally {
        this.intents.close();
      }
    });
  }
}

function parentOf(definitionPath: string): string {
  const parts = definitionPath.split('/');
  return parts[parts.length - 2] ?? '';
}
