// The hooks plugins tap, declared in one place, as the SDK's own small interfaces (no dependency
// on the hook library core uses). The lifecycle runs
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

export interface LifecycleHooks {
  /** Build `ctx.device` from arguments, a JSON file or sysfs; later taps may complete it. */
  readonly define: SeriesHook<[LifecycleContext]>;
  /** Report every problem into the diagnostics list; nothing has been written yet. */
  readonly validate: SeriesHook<[LifecycleContext, Diagnostics]>;
  /** Before the primary action (call-out `pre`). Throwing aborts the command. */
  readonly pre: SeriesHook<[LifecycleContext]>;
  /** The primary action. The first tap that returns `true` handled it. */
  readonly create: BailHook<[LifecycleContext], true>;
  /**
   * `modify --live`: apply the change to the running device (call-out `live`). Runs after
   * validate and before pre (upstream's order). The first tap that returns `true` applied it;
   * when none does, the modify fails (pre and create do not run; post and notify do).
   */
  readonly live: BailHook<[LifecycleContext], true>;
  /**
   * After the primary action: core writes the attributes of a started device. A throw here fails
   * the command and core undoes its primary action (see the README).
   */
  readonly attrs: SeriesHook<[LifecycleContext]>;
  /** After the primary action, success or failure (call-out `post`). Errors are logged only. */
  readonly post: SeriesHook<[LifecycleContext]>;
  /** Last, always once pre ran (notifier scripts). Errors are logged only. */
  readonly notify: SeriesHook<[LifecycleContext]>;
}

export interface QueryHooks {
  /**
   * Attributes of a running device (used by `list` of active devices and `define -u` of a
   * running one). The first tap that returns a list answers; undefined means "not mine".
   */
  readonly activeAttributes: BailHook<[ActiveDevice, QueryContext], AttributeList>;
  /**
   * The kernel refused a write to `create`, an attribute or `remove`: answer with what usually
   * causes that errno for this device (one short sentence, no trailing period needed), or
   * undefined. Core appends the first answer to its error line. Since SDK 1.2.
   */
  readonly explainRefusal: BailHook<[KernelRefusal, QueryContext], string>;
}

/**
 * Extra listing data. Called only when the user asks for it with `-x/--extended` (`list`,
 * `lsmdev`, `types`); the default output never changes.
 */
export interface ListingHooks {
  /** One listed device (running or defined): add lines and JSON fields to it. */
  readonly device: SeriesHook<[DeviceListing, QueryContext]>;
  /** One listed mdev type of a parent: add lines and JSON fields to it. */
  readonly type: SeriesHook<[TypeListing, QueryContext]>;
}

/**
 * Where `mdevctl apply` puts the devices a desired-state file asks for by count (since SDK 1.3;
 * see placement.ts). Core's taps answer last (stage 100), so a plugin's answer comes first.
 */
export interface PlacementHooks {
  /** How many more devices of the query's type fit on its parent; undefined: "not mine". */
  readonly room: BailHook<[PlacementRoomQuery, QueryContext], number>;
  /** The parent (one of the step's candidates) of the next device; undefined: not my policy. */
  readonly choose: BailHook<[PlacementStep, QueryContext], string>;
}

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

/** The order of the lifecycle stages, as run by core. */
export const LIFECYCLE_STAGES = ['define', 'validate', 'pre', 'create', 'attrs', 'post', 'notify'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
