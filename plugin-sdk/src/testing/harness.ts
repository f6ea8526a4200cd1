// Runs one plugin the way mdevctl does, without mdevctl: checks its SDK version, applies it to
// in-memory hooks (one TestHook per hook of HOOK_CONTRACT) through the same scoping code as
// mdevctl (scope.ts), and drives the stages and listings a test needs, with mdevctl's
// diagnostics list and listing collector. A plugin's errors are thrown as they are (mdevctl adds
// `Plugin <name>: `).

import type {
  Action, AttributeList, CommandRequest, Diagnostic, HostView, KernelRefusal, LifecycleContext, Logger, QueryContext, QueryPurpose,
} from '../context.js';
import { DiagnosticList } from '../diagnostics.js';
import { HOOK_CONTRACT, type HookContract, type HookGroup, type HookSpec, type MdevctlHooks, type SpecAnswer, type SpecArgs } from '../hooks.js';
import { DEVICE_FIELDS, TYPE_FIELDS, collectListing, type CollectedListing, type JsonValue, type ListingOutput } from '../listing.js';
import type { ActiveDevice, DefinedDevice, MdevDevice, MdevTypeInfo } from '../model.js';
import { sdkVersionProblem, type MdevctlPlugin, type PluginFactory, type PluginOptions } from '../plugin.js';
import { scopedHooks } from '../scope.js';
import { pluginOptionsProblem, withDefaults, type PluginConfiguration } from '../options.js';
import { TestHook } from './hooks.js';
import type { PlacementRoomQuery, PlacementStep } from '../placement.js';
import { testHost, type TestHostData } from './host.js';

/** The harness's hooks: one TestHook per hook of the contract. */
type TestHooks = {
  readonly [G in HookGroup]: { readonly [K in keyof HookContract[G]]: TestHook<SpecArgs<HookContract[G][K]>, SpecAnswer<HookContract[G][K]>> };
};

/** What a plugin added to one listed entry. */
export interface ListingResult {
  readonly lines: string[];
  readonly fields: Record<string, JsonValue>;
}

/** A logger that keeps every message, as `level: message`. */
export interface RecordingLogger extends Logger {
  readonly messages: string[];
}

export interface RunOptions {
  readonly action?: Action;
  /** The stored definition the run replaces (modify, undefine). */
  readonly previous?: DefinedDevice;
  /** The running device the run acts on. */
  readonly active?: ActiveDevice;
  readonly force?: boolean;
  /** A `mdevctl validate` run (action `start`, nothing after validate). */
  readonly checkOnly?: boolean;
  /** The command's options; default: a minimal request for the action and device. */
  readonly request?: CommandRequest;
}

export interface TestHarness {
  readonly plugin: MdevctlPlugin;
  readonly host: HostView;
  readonly log: RecordingLogger;
  /** A lifecycle context for the device, as core builds it in the define stage. */
  context(device: MdevDevice, options?: RunOptions): LifecycleContext;
  /** Runs the validate stage (only the plugin's taps); resolves to what they reported. */
  validate(device: MdevDevice, options?: RunOptions): Promise<Diagnostic[]>;
  /** Runs one lifecycle stage on a context; resolves to a bail stage's answer. */
  run(stage: keyof MdevctlHooks['lifecycle'], ctx: LifecycleContext): Promise<unknown>;
  /** Asks the plugin for a running device's attributes (why: `list` unless given). */
  activeAttributes(device: ActiveDevice, options?: { purpose?: QueryPurpose }): Promise<AttributeList | undefined>;
  /** Asks the plugin why the kernel refused a write (its hint), as core does after a failed write. */
  explainRefusal(refusal: KernelRefusal): Promise<string | undefined>;
  /** The plugin's answer to placement.room (undefined: not its parent or type). Since SDK 1.3. */
  room(query: PlacementRoomQuery): Promise<number | undefined>;
  /** The plugin's answer to placement.choose (undefined: not its policy). Since SDK 1.3. */
  choose(step: PlacementStep): Promise<string | undefined>;
  /** What the plugin adds to a device in `list -x` (`--defined`, `-v`, `--dumpjson` as given). */
  listDevice(device: MdevDevice, options?: { defined?: boolean; verbose?: boolean; json?: boolean }): Promise<ListingResult>;
  /** What the plugin adds to a type in `types -x`. */
  listType(type: MdevTypeInfo, options?: { json?: boolean }): Promise<ListingResult>;
}

export interface HarnessOptions<O = PluginOptions> {
  /** The host the plugin sees. */
  readonly host?: TestHostData;
  /** Options for a factory (as an admin writes them in the configuration file); default `{}`. */
  readonly options?: O;
  /**
   * The package's option declarations (its `configuration` export): the options are checked
   * against them and get their defaults, as mdevctl does before calling the factory.
   */
  readonly configuration?: PluginConfiguration | undefined;
}

/** Creates the plugin (from a factory or as given), checks its SDK version, and applies it. */
export async function createTestHarness<O = PluginOptions>(
  pluginOrFactory: MdevctlPlugin | PluginFactory<O>,
  options: HarnessOptions<O> = {},
): Promise<TestHarness> {
  let given: PluginOptions = options.options ?? {};
  if (options.configuration) {
    const problem = pluginOptionsProblem(options.configuration, given);
    if (problem !== undefined) throw new Error(problem);
    given = withDefaults(options.configuration, given);
  }
  const plugin =
    typeof pluginOrFactory === 'function' ? await pluginOrFactory(given as O, { env: {}, writeStderr: () => undefined }) : pluginOrFactory;
  const problem = sdkVersionProblem(plugin.sdkVersion);
  if (problem !== undefined) throw new Error(`Plugin ${plugin.name} ${problem}`);
  const host = testHost(options.host);
  const log = recordingLogger();
  const hooks = testHooks();
  // The same scoping as mdevctl's (scope.ts); errors and promises are left as the plugin made them.
  plugin.apply(scopedHooks(hooks, plugin.claims));
  const query = (purpose: QueryPurpose): QueryContext => ({ purpose, host, log });

  const context = (device: MdevDevice, o: RunOptions = {}): LifecycleContext => {
    const action = o.checkOnly ? 'start' : (o.action ?? o.request?.action ?? 'define');
    const ctx: LifecycleContext = {
      action,
      request: o.request ?? minimalRequest(action, device),
      force: o.force ?? false,
      checkOnly: o.checkOnly ?? false,
      host,
      log,
      diagnostics: new DiagnosticList(),
      device,
      state: 'none',
      scratch: new Map(),
    };
    if (o.previous) ctx.previous = o.previous;
    if (o.active) ctx.active = o.active;
    return ctx;
  };

  return {
    plugin,
    host,
    log,
    context,
    async validate(device, o) {
      const ctx = context(device, o);
      await hooks.lifecycle.validate.run(ctx, ctx.diagnostics);
      return [...ctx.diagnostics.items];
    },
    run: (stage, ctx) => (hooks.lifecycle[stage] as TestHook<[LifecycleContext], unknown>).run(ctx),
    activeAttributes: (device, o = {}) => hooks.query.activeAttributes.run(device, query(o.purpose ?? 'list')),
    explainRefusal: (refusal) => hooks.query.explainRefusal.run(refusal, query('explain')),
    room: (q) => hooks.placement.room.run(q, query('place')),
    choose: (st) => hooks.placement.choose.run(st, query('place')),
    async listDevice(device, o = {}) {
      const out = listingOutput(DEVICE_FIELDS, o.json ?? false);
      await hooks.listing.device.run({ ...out.sink, device, defined: o.defined ?? false, verbose: o.verbose ?? false }, query('list'));
      return out.result;
    },
    async listType(type, o = {}) {
      const out = listingOutput(TYPE_FIELDS, o.json ?? false);
      await hooks.listing.type.run({ ...out.sink, type }, query('list'));
      return out.result;
    },
  };
}

function listingOutput(reserved: readonly string[], json: boolean): { sink: ListingOutput; result: ListingResult } {
  const collected: CollectedListing = { lines: [], fields: [] };
  const result: ListingResult = {
    lines: collected.lines,
    get fields() {
      return Object.fromEntries(collected.fields);
    },
  };
  return { sink: collectListing(reserved, json, collected), result };
}

/** One TestHook per hook of the contract, of its kind. */
function testHooks(): TestHooks {
  const make = (spec: HookSpec) => new TestHook<unknown[], unknown>(spec.kind === 'bail');
  const group = <G extends keyof HookContract>(g: G) =>
    Object.fromEntries(Object.entries(HOOK_CONTRACT[g]).map(([k, spec]) => [k, make(spec as HookSpec)]));
  return { lifecycle: group('lifecycle'), query: group('query'), listing: group('listing'), placement: group('placement') } as TestHooks;
}

function recordingLogger(): RecordingLogger {
  const messages: string[] = [];
  const at = (level: string) => (message: string) => void messages.push(`${level}: ${message}`);
  return { messages, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

function minimalRequest(action: Action, d: MdevDevice): CommandRequest {
  switch (action) {
    case 'define':
      return { action, uuid: d.uuid, parent: d.parent, type: d.type, auto: d.start === 'auto' };
    case 'undefine':
      return { action, uuid: d.uuid, parent: d.parent };
    case 'modify':
      return { action, uuid: d.uuid, parent: d.parent, delattr: false, auto: false, manual: false, live: false, defined: false };
    case 'start':
      return { action, uuid: d.uuid, parent: d.parent };
    case 'stop':
      return { action, uuid: d.uuid };
  }
}
