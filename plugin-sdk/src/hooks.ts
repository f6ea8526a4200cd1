// The hooks plugins tap, declared once: HOOK_CONTRACT names every hook with its kind (series or
// bail), its arguments and what a plugin's claims are checked against. The interfaces plugins
// tap (MdevctlHooks) are derived from it here, core's tapable hooks in core/src/lifecycle/hooks.ts
// (the SDK does not depend on the hook library core uses). The lifecycle runs
// define -> validate -> pre -> create -> attrs -> post -> notify for every mutating command;
// the query and listing hooks serve the read-only commands.

import type { Diagnostics, KernelRefusal, LifecycleContext, QueryContext, AttributeList } from './context.js';
import type { DeviceListing, TypeListing } from './listing.js';
import type { ActiveDevice } from './model.js';
import type { PlacementRoomQuery, PlacementStep } from './placement.js';

/**
 * How a tap is registered: its name (use the plugin's name), or the name with a `stage` (lower
 * runs earlier; core builds the device at -100 and does the primary action at 100, plugins
 * default to 0) and/or `before` (run before the taps of these names).
 */
export type TapOptions =
  | string
  | { readonly name: string; readonly stage?: number; readonly before?: string | string[] };

/** Watches every call of a hook (e.g. to know which command a nested query belongs to). */
export interface HookInterceptor<Args extends unknown[], R = void> {
  readonly name?: string;
  /** A call of the hook begins, with its arguments. */
  call?: (...args: Args) => void;
  /** A bail hook's call ended with a tap's answer. */
  result?: (result: R) => void;
  /** The call failed. */
  error?: (error: Error) => void;
  /** The call ended without an answer (every tap ran). */
  done?: () => void;
}

/** A hook whose taps all run in order; a throw stops the hook and fails the call. */
export interface SeriesHook<Args extends unknown[]> {
  tap(options: TapOptions, fn: (...args: Args) => void): void;
  tapPromise(options: TapOptions, fn: (...args: Args) => Promise<void>): void;
  intercept(interceptor: HookInterceptor<Args>): void;
}

/** A hook whose taps run in order until one returns a value other than undefined: the answer. */
export interface BailHook<Args extends unknown[], R> {
  tap(options: TapOptions, fn: (...args: Args) => R | undefined): void;
  tapPromise(options: TapOptions, fn: (...args: Args) => Promise<R | undefined>): void;
  intercept(interceptor: HookInterceptor<Args, R>): void;
}

/** How a hook runs its taps: all of them in order, or until one answers (not undefined). */
export type HookKind = 'series' | 'bail';

/**
 * What a plugin's claims are checked against for one call, read from the hook's first argument:
 * `run` a LifecycleContext (claimsRun), `device` an ActiveDevice, `refusal` a KernelRefusal's
 * device, `listedDevice`/`listedType` a listing's device or type, `placementQuery` a
 * PlacementRoomQuery's parent and type, `placementStep` a PlacementStep (seen when any of its
 * candidates is claimed).
 */
export type HookSubject = 'run' | 'device' | 'refusal' | 'listedDevice' | 'listedType' | 'placementQuery' | 'placementStep';

/** One hook of the contract. `Args` and `R` (a bail hook's answer) exist only as types. */
export interface HookSpec<Args extends unknown[] = unknown[], R = unknown> {
  readonly kind: HookKind;
  /** The arguments' names, in order (tapable wants them). */
  readonly args: readonly string[];
  readonly subject: HookSubject;
  /** Types only, never set: the arguments and a bail hook's answer. */
  readonly types?: { readonly args: Args; readonly answer: R };
}

const series = <Args extends unknown[]>(subject: HookSubject, ...args: string[]) =>
  Object.freeze({ kind: 'series' as const, args: Object.freeze(args), subject }) as HookSpec<Args, void> & { readonly kind: 'series' };
const bail = <Args extends unknown[], R>(subject: HookSubject, ...args: string[]) =>
  Object.freeze({ kind: 'bail' as const, args: Object.freeze(args), subject }) as HookSpec<Args, R> & { readonly kind: 'bail' };

/** Every hook, by group: the one declaration core and the SDK derive their hooks from. */
export const HOOK_CONTRACT = Object.freeze({
  lifecycle: Object.freeze({
    /** Build `ctx.device` from arguments, a JSON file or sysfs; later taps may complete it. */
    define: series<[LifecycleContext]>('run', 'ctx'),
    /** Report every problem into the diagnostics list; nothing has been written yet. */
    validate: series<[LifecycleContext, Diagnostics]>('run', 'ctx', 'diagnostics'),
    /** Before the primary action (call-out `pre`). Throwing aborts the command. */
    pre: series<[LifecycleContext]>('run', 'ctx'),
    /** The primary action. The first tap that returns `true` handled it. */
    create: bail<[LifecycleContext], true>('run', 'ctx'),
    /**
     * `modify --live`: apply the change to the running device (call-out `live`). Runs after
     * validate and before pre (upstream's order). The first tap that returns `true` applied it;
     * when none does, the modify fails (pre and create do not run; post and notify do).
     */
    live: bail<[LifecycleContext], true>('run', 'ctx'),
    /**
     * After the primary action: core writes the attributes of a started device. A throw here fails
     * the command and core undoes its primary action (see the README).
     */
    attrs: series<[LifecycleContext]>('run', 'ctx'),
    /** After the primary action, success or failure (call-out `post`). Errors are logged only. */
    post: series<[LifecycleContext]>('run', 'ctx'),
    /** Last, always once pre ran (notifier scripts). Errors are logged only. */
    notify: series<[LifecycleContext]>('run', 'ctx'),
  }),
  query: Object.freeze({
    /**
     * Attributes of a running device (used by `list` of active devices and `define -u` of a
     * running one; `QueryContext.purpose` says which). The first tap that returns a list
     * answers; undefined means "not mine".
     */
    activeAttributes: bail<[ActiveDevice, QueryContext], AttributeList>('device', 'device', 'ctx'),
    /**
     * The kernel refused a write to `create`, an attribute or `remove`: answer with what usually
     * causes that errno for this device (one short sentence, no trailing period needed), or
     * undefined. Core appends the first answer to its error line. Since SDK 1.2.
     */
    explainRefusal: bail<[KernelRefusal, QueryContext], string>('refusal', 'refusal', 'ctx'),
  }),
  /**
   * Extra listing data. Called only when the user asks for it with `-x/--extended` (`list`,
   * `lsmdev`, `types`); the default output never changes.
   */
  listing: Object.freeze({
    /** One listed device (running or defined): add lines and JSON fields to it. */
    device: series<[DeviceListing, QueryContext]>('listedDevice', 'listing', 'ctx'),
    /** One listed mdev type of a parent: add lines and JSON fields to it. */
    type: series<[TypeListing, QueryContext]>('listedType', 'listing', 'ctx'),
  }),
  /**
   * Where `mdevctl apply` puts the devices a desired-state file asks for by count (since SDK 1.3;
   * see placement.ts). Core's taps answer last (stage 100), so a plugin's answer comes first.
   */
  placement: Object.freeze({
    /** How many more devices of the query's type fit on its parent; undefined: "not mine". */
    room: bail<[PlacementRoomQuery, QueryContext], number>('placementQuery', 'query', 'ctx'),
    /** The parent (one of the step's candidates) of the next device; undefined: not my policy. */
    choose: bail<[PlacementStep, QueryContext], string>('placementStep', 'step', 'ctx'),
  }),
});

export type HookContract = typeof HOOK_CONTRACT;
export type HookGroup = keyof HookContract;

/** The arguments of a hook of the contract. */
export type SpecArgs<S> = S extends HookSpec<infer A, unknown> ? A : never;
/** A bail hook's answer (undefined excluded). */
export type SpecAnswer<S> = S extends HookSpec<unknown[], infer R> ? R : never;
/** The interface a plugin taps for a hook of the contract. */
export type PluginHook<S> = S extends { readonly kind: 'bail' } ? BailHook<SpecArgs<S>, SpecAnswer<S>> : SeriesHook<SpecArgs<S>>;

type Derived<G extends HookGroup> = { readonly [K in keyof HookContract[G]]: PluginHook<HookContract[G][K]> };

export type LifecycleHooks = Derived<'lifecycle'>;
export type QueryHooks = Derived<'query'>;
export type ListingHooks = Derived<'listing'>;
export type PlacementHooks = Derived<'placement'>;

/**
 * What a plugin's apply() receives. Core gives each plugin its own view: the taps of a plugin
 * with `claims` run only for the devices (and types) those claims cover.
 */
export interface MdevctlHooks {
  readonly lifecycle: LifecycleHooks;
  readonly query: QueryHooks;
  readonly listing: ListingHooks;
  readonly placement: PlacementHooks;
}

/** Every hook as `[group, name, spec]`, in the contract's order. */
export function contractEntries(): Array<readonly [HookGroup, string, HookSpec]> {
  const out: Array<readonly [HookGroup, string, HookSpec]> = [];
  for (const group of Object.keys(HOOK_CONTRACT) as HookGroup[]) {
    for (const [name, spec] of Object.entries(HOOK_CONTRACT[group])) out.push([group, name, spec as HookSpec]);
  }
  return out;
}

/** The order of the lifecycle stages, as run by core (`live` only for modify --live, before pre). */
export const LIFECYCLE_STAGES = ['define', 'validate', 'pre', 'create', 'attrs', 'post', 'notify'] as const satisfies ReadonlyArray<keyof LifecycleHooks>;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
