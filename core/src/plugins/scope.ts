// Each plugin's own view of the hooks: the SDK's scopedHooks (the same code the SDK's test harness
// uses) over core's tapable hooks. Its taps (and interceptors) run only for the devices and types
// its `claims` cover (no claims: everything), and an error a tap throws reaches the user as
// `Plugin <name>: <message>` — unless the plugin marked it verbatim (a VerbatimError, as the
// call-out plugin's script failures are). The view only taps: plugins cannot call or replace hooks.
// A tap's promise that never settles fails the run naming the plugin and hook (unsettled.ts).
// Core's own taps use the real hooks and are neither scoped nor renamed.

import { isVerbatim, scopedHooks, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { foreign } from '../lifecycle/unsettled.js';

/** A plugin's error, named: `Plugin <name>: <first line of its message>`. */
export class PluginFailure extends MdevctlError {
  constructor(
    readonly plugin: string,
    cause: unknown,
  ) {
    super(`Plugin ${plugin}: ${firstLine(messageOf(cause))}`, { cause });
  }
}

/** The error a user sees for what plugin `name` threw. */
export function namedError(name: string, err: unknown): unknown {
  return isVerbatim(err) || err instanceof PluginFailure ? err : new PluginFailure(name, err);
}

export function pluginView(hooks: CoreHooks, plugin: MdevctlPlugin): MdevctlHooks {
  return scopedHooks(
    hooks,
    plugin.claims,
    { error: (err) => namedError(plugin.name, err), settle: (what, promise) => foreign(what, promise) },
    plugin.name,
  );
}
