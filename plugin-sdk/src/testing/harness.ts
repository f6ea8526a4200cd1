// Runs one plugin the way mdevctl does, without mdevctl: checks its SDK version, applies it to
// in-memory hooks whose taps see only the devices the plugin claims, and drives the stages and
// listings a test needs. A plugin's errors are thrown as they are (mdevctl adds `Plugin <name>: `).

import type {
  Action, AttributeList, CommandRequest, Diagnostic, Diagnostics, HostView, KernelRefusal, LifecycleContext, Logger,
  QueryContext,
} from '../context.js';
import type { HookInterceptor, MdevctlHooks, TapOptions } from '../hooks.js';
import {
  DEVICE_FIELDS, TYPE_FIELDS, listingFieldProblem, type DeviceListing, type JsonValue, type ListingOutput, type TypeListing,
} from '../listing.js';
import type { ActiveDevice, DefinedDevice, MdevDevice, MdevTypeInfo } from '../model.js';
import {
  claimsDevice, claimsRun, sdkVersionProblem, type MdevctlPlugin, type PluginFactory, type PluginOptions,
} from '../plugin.js';
import { TestHook } from './hooks.js';
import type { PlacementRoomQuery, PlacementStep } from '../placement.js';
import { testHost, type TestHostData } from './host.js';

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
  /** Asks the plugin for a running device's attributes. */
  activeAttributes(device: ActiveDevice): Promise<AttributeList | undefined>;
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
}

/** Creates the plugin (from a factory or as given), checks its SDK version, and applies it. */
export async function createTestHarness<O = PluginOptions>(
  pluginOrFactory: MdevctlPlugin | PluginFactory<O>,
  options: HarnessOptions<O> = {},
): Promise<TestHarness> {
  const plugin =
    typeof pluginOrFactory === 'function' ? await pluginOrFactory(options.options ?? ({} as O), { env: {}, writeStderr: () => undefined }) : pluginOrFactory;
  const problem = sdkVersionProblem(plugin.sdkVersion);
  if (problem !== undefined) throw new Error(`Plugin ${plugin.name} ${problem}`);
  const host = testHost(options.host);
  const log = recordingLogger();
  const hooks = {
    lifecycle: {
      define: new TestHook<[LifecycleContext]>(false),
      validate: new TestHook<[LifecycleContext, Diagnostics]>(false),
      pre: new TestHook<[LifecycleContext]>(false),
      create: new TestHook<[LifecycleContext], true>(true),
      live: new TestHook<[LifecycleContext], true>(true),
      attrs: new TestHook<[LifecycleContext]>(false),
      post: new TestHook<[LifecycleContext]>(false),
      notify: new TestHook<[LifecycleContext]>(false),
    },
    query: {
      activeAttributes: new TestHook<[ActiveDevice, QueryContext], AttributeList>(true),
      explainRefusal: new TestHook<[KernelRefusal, QueryContext], string>(true),
    },
    listing: {
      device: new TestHook<[DeviceListing, QueryContext]>(false),
      type: new TestHook<[TypeListing, QueryContext]>(false),
    },
    placement: {
      room: new TestHook<[PlacementRoomQuery, QueryContext], number>(true),
      choose: new TestHook<[PlacementStep, QueryContext], string>(true),
    },
  };
  const claims = plugin.claims;
  const lifecycle = Object.fromEntries(
    Object.entries(hooks.lifecycle).map(([k, h]) => [k, scoped(h as TestHook<unknown[]>, (ctx) => claimsRun(claims, ctx as LifecycleContext))]),
  );
  const view = {
    lifecycle,
    query: {
      activeAttributes: scoped(hooks.query.activeAttributes, (d) => claimsDevice(claims, d.parent, d.type)),
      explainRefusal: scoped(hooks.query.explainRefusal, (r) => claimsDevice(claims, r.device.parent, r.device.type)),
    },
    listing: {
      device: scoped(hooks.listing.device, (l) => claimsDevice(claims, l.device.parent, l.device.type)),
      type: scoped(hooks.listing.type, (l) => claimsDevice(claims, l.type.parent, l.type.type)),
    },
    placement: {
      room: scoped(hooks.placement.room, (q) => claimsDevice(claims, q.parent, q.type)),
      choose: scoped(hooks.placement.choose, (st) => st.candidates.some((c) => claimsDevice(claims, c.parent, c.type))),
    },
  } as unknown as MdevctlHooks;
  plugin.apply(view);
  const query: QueryContext = { host, log };

  const context = (device: MdevDevice, o: RunOptions = {}): LifecycleContext => {
    const action = o.checkOnly ? 'start' : (o.action ?? o.request?.action ?? 'define');
    const ctx: LifecycleContext = {
      action,
      request: o.request ?? minimalRequest(action, device),
      force: o.force ?? false,
      checkOnly: o.checkOnly ?? false,
      host,
      log,
      diagnostics: diagnosticList(),
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
    activeAttributes: (device) => hooks.query.activeAttributes.run(device, query),
    explainRefusal: (refusal) => hooks.query.explainRefusal.run(refusal, query),
    room: (q) => hooks.placement.room.run(q, query),
    choose: (st) => hooks.placement.choose.run(st, query),
    async listDevice(device, o = {}) {
      const out = listingOutput(DEVICE_FIELDS, o.json ?? false);
      await hooks.listing.device.run({ ...out.sink, device, defined: o.defined ?? false, verbose: o.verbose ?? false }, query);
      return out.result;
    },
    async listType(type, o = {}) {
      const out = listingOutput(TYPE_FIELDS, o.json ?? false);
      await hooks.listing.type.run({ ...out.sink, type }, query);
      return out.result;
    },
  };
}

/** A view of a hook whose taps (and interceptors) run only when `sees` accepts the call. */
function scoped<Args extends unknown[], R>(hook: TestHook<Args, R>, sees: (first: Args[0]) => boolean) {
  const guard =
    (fn: (...args: Args) => unknown) =>
    async (...args: Args): Promise<unknown> =>
      sees(args[0]) ? fn(...args) : undefined;
  return {
    tap: (o: TapOptions, fn: (...args: Args) => unknown) => hook.tap(o, guard(fn)),
    tapPromise: (o: TapOptions, fn: (...args: Args) => Promise<unknown>) => hook.tapPromise(o, guard(fn)),
    intercept: (i: HookInterceptor<Args, R>) => {
      const open: boolean[] = [];
      hook.intercept({
        call: (...args) => {
          const s = sees(args[0]);
          open.push(s);
          if (s) i.call?.(...args);
        },
        result: (r) => void (open.pop() === true && i.result?.(r)),
        error: (e) => void (open.pop() === true && i.error?.(e)),
        done: () => void (open.pop() === true && i.done?.()),
      });
    },
  };
}

function listingOutput(reserved: readonly string[], json: boolean): { sink: ListingOutput; result: ListingResult } {
  const result: ListingResult = { lines: [], fields: {} };
  const sink: ListingOutput = {
    json,
    line: (text) => void result.lines.push(...String(text).split('\n')),
    field: (name, value) => {
      const problem = listingFieldProblem(name, value, reserved, Object.keys(result.fields));
      if (problem !== undefined) throw new Error(problem);
      result.fields[name] = value;
    },
  };
  return { sink, result };
}

function diagnosticList(): Diagnostics {
  const items: Diagnostic[] = [];
  return {
    items,
    error: (source, message) => void items.push({ severity: 'error', source, message }),
    warn: (source, message) => void items.push({ severity: 'warning', source, message }),
    hasErrors: () => items.some((d) => d.severity === 'error'),
  };
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
