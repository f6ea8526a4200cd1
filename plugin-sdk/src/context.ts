// What a plugin's hook receives: the read-only view of the host, the diagnostics list, the
// logger, and the typed context of one run of the lifecycle pipeline.

import type { ActiveDevice, Attribute, DefinedDevice, MdevDevice, MdevTypeInfo } from './model.js';

/** The mutating commands; each runs the lifecycle pipeline once per device it changes. */
export type Action = 'define' | 'undefine' | 'modify' | 'start' | 'stop';

/** Where the pipeline stands: `none` before the primary action, then its outcome. */
export type ActionState = 'none' | 'success' | 'failure';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** A problem found while validating. Every problem of a run is reported at once. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** Name of the plugin (or `mdevctl`) that reported it. */
  readonly source: string;
}

/** The shared list every validate tap reports into. */
export interface Diagnostics {
  error(source: string, message: string): void;
  warn(source: string, message: string): void;
  readonly items: readonly Diagnostic[];
  hasErrors(): boolean;
}

/** Read-only view of the host through the environment root. Never writes. */
export interface HostView {
  /** The environment root (`MDEVCTL_ENV_ROOT`, default `/`). */
  readonly root: string;
  /** Every readable definition; unreadable ones are left out without a word (core reports them). */
  definitions(filter?: { uuid?: string; parent?: string }): DefinedDevice[];
  /** Every running device, of every device backend (the mdev bus and those plugins provide). */
  activeDevices(filter?: { uuid?: string; parent?: string }): ActiveDevice[];
  /** Parent device names of every device backend (registered with mdev, or a plugin's), sorted. */
  parents(): string[];
  /** Types of one parent (or all), sorted by parent then type. */
  types(parent?: string): MdevTypeInfo[];
  /** Reads a file relative to the root (e.g. `sys/bus/ap/apmask`); undefined if absent. */
  readFile(relativePath: string): string | undefined;
  /**
   * The attributes a running device will have been given, when that is not yet in sysfs: under
   * the whole-plan check of `apply`/`diff`/`assert`, `activeDevices()` shows the host as it will
   * be after the plan, and for a device the plan starts (or restarts) this answers the attributes
   * it is started with — its sysfs files do not exist yet, or still hold the old values. Undefined
   * otherwise (read the running device's sysfs files). Absent on older cores.
   */
  plannedAttributes?(uuid: string): readonly Attribute[] | undefined;
}

/** What the user asked for: the command's parsed options, by command. */
export type CommandRequest =
  | {
      readonly action: 'define';
      readonly uuid?: string;
      readonly parent?: string;
      readonly type?: string;
      readonly auto: boolean;
      readonly jsonfile?: string;
    }
  | { readonly action: 'undefine'; readonly uuid: string; readonly parent: string }
  | {
      readonly action: 'modify';
      readonly uuid: string;
      readonly parent?: string;
      readonly type?: string;
      readonly addattr?: string;
      readonly value?: string;
      readonly delattr: boolean;
      readonly index?: number;
      readonly auto: boolean;
      readonly manual: boolean;
      readonly jsonfile?: string;
      /** Apply to the running device (through the `live` hook). */
      readonly live: boolean;
      /** With `live`: also store the change. */
      readonly defined: boolean;
    }
  | {
      readonly action: 'start';
      readonly uuid?: string;
      readonly parent?: string;
      readonly type?: string;
      readonly jsonfile?: string;
    }
  | { readonly action: 'stop'; readonly uuid: string };

/** The typed context of one pipeline run (one device, one action). */
export interface LifecycleContext {
  readonly action: Action;
  readonly request: CommandRequest;
  /** `-f/--force`: go on when a pre call-out fails. */
  readonly force: boolean;
  /**
   * True when `mdevctl validate` checks a stored definition: the run is a `start` that ends after
   * the validate stage (nothing is written, no call-out runs). The device may be running already
   * (`active`). Checks that compare a definition with the other definitions (as at define time)
   * belong here too.
   */
  readonly checkOnly: boolean;
  readonly host: HostView;
  readonly log: Logger;
  readonly diagnostics: Diagnostics;
  /**
   * The device the action applies to. Set by the define stage; later stages may read it.
   * For define/modify: the definition that will be written; for undefine: the one removed;
   * for start: the device to create; for stop: the running device.
   */
  device?: MdevDevice;
  /** The stored definition before a modify or undefine, when there is one. */
  previous?: DefinedDevice;
  /** The running device with this uuid, when the define stage found one (set by core's define taps). */
  active?: ActiveDevice;
  /** `none` until the primary action ran, then its outcome. */
  state: ActionState;
  /** The primary action's error, when state is `failure`. */
  error?: unknown;
  /** Free space for plugins to pass data between their own taps, keyed by plugin name. */
  readonly scratch: Map<string, unknown>;
}

/**
 * Why core asks a query hook: `list` (list, lsmdev, types), `define` (define -u of a running
 * device: the answer becomes the definition's attributes, so a failure should fail the define),
 * `explain` (a write the kernel refused), `place` (`mdevctl apply` placing counted devices: the
 * placement hooks). Since SDK 1.3.
 */
export type QueryPurpose = 'list' | 'define' | 'explain' | 'place';

/** The context of read-only queries (list, types, and attribute lookups of running devices). */
export interface QueryContext {
  readonly purpose: QueryPurpose;
  readonly host: HostView;
  readonly log: Logger;
}

/**
 * The kernel refused a write: given to `query.explainRefusal`, which may say what usually causes
 * it for this kind of device. Core's message already names the file and the errno.
 */
export interface KernelRefusal {
  /** `create` (the type's `create` file), `attribute` (a started device's attribute), `remove`. */
  readonly operation: 'create' | 'attribute' | 'remove';
  readonly device: MdevDevice;
  /** The sysfs file written (absolute, under the environment root). */
  readonly file: string;
  /** For `attribute`: the attribute's name. */
  readonly attribute?: string;
  /** What was written. */
  readonly value: string;
  /** The errno's name (`EBUSY`), or `UNKNOWN` when Node has none. */
  readonly code: string;
  /** The errno's number (16), positive. */
  readonly errno: number;
}

/** The answer of query.activeAttributes for a running device: its attributes as read from the host. */
export type AttributeList = readonly Attribute[];
