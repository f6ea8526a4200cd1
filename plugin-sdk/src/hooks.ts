// The hooks plugins tap, declared in one place. The lifecycle runs
// define -> validate -> pre -> create -> attrs -> post -> notify for every mutating command.

import type { AsyncSeriesBailHook, AsyncSeriesHook } from 'tapable';
import type { Diagnostics, LifecycleContext, QueryContext, AttributeList } from './context.js';
import type { ActiveDevice } from './model.js';

export interface LifecycleHooks {
  /** Build `ctx.device` from arguments, a JSON file or sysfs; later taps may complete it. */
  readonly define: AsyncSeriesHook<[LifecycleContext]>;
  /** Report every problem into the diagnostics list; nothing has been written yet. */
  readonly validate: AsyncSeriesHook<[LifecycleContext, Diagnostics]>;
  /** Before the primary action (call-out `pre`). Throwing aborts the command. */
  readonly pre: AsyncSeriesHook<[LifecycleContext]>;
  /** The primary action. The first tap that returns `true` handled it. */
  readonly create: AsyncSeriesBailHook<[LifecycleContext], true | undefined>;
  /**
   * `modify --live`: apply the change to the running device (call-out `live`). The first tap
   * that returns `true` applied it; when none does, the modify fails.
   */
  readonly live: AsyncSeriesBailHook<[LifecycleContext], true | undefined>;
  /** After the primary action: write attributes of a started device (no-op for others). */
  readonly attrs: AsyncSeriesHook<[LifecycleContext]>;
  /** After the primary action, success or failure (call-out `post`). Errors are logged only. */
  readonly post: AsyncSeriesHook<[LifecycleContext]>;
  /** Last, always once pre ran (notifier scripts). Errors are logged only. */
  readonly notify: AsyncSeriesHook<[LifecycleContext]>;
}

export interface QueryHooks {
  /**
   * Attributes of a running device (used by `list` of active devices and `define -u` of a
   * running one). The first tap that returns a list answers; undefined means "not mine".
   */
  readonly activeAttributes: AsyncSeriesBailHook<[ActiveDevice, QueryContext], AttributeList | undefined>;
}

export interface MdevctlHooks {
  readonly lifecycle: LifecycleHooks;
  readonly query: QueryHooks;
}

/** The order of the lifecycle stages, as run by core. */
export const LIFECYCLE_STAGES = ['define', 'validate', 'pre', 'create', 'attrs', 'post', 'notify'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
