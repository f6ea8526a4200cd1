// Each plugin's own view of the hooks. Its taps (and interceptors) run only for the devices and
// types its `claims` cover (no claims: everything), and an error a tap throws reaches the user as
// `Plugin <name>: <message>` — unless the plugin marked it verbatim (a VerbatimError, as the
// call-out plugin's script failures are). The view only taps: plugins cannot call or replace hooks.
// A tap's promise that never settles fails the run naming the plugin and hook (unsettled.ts).
// Core's own taps use the real hooks and are neither scoped nor renamed.

import {
  claimsDevice, claimsRun, isVerbatim,
  type ActiveDevice, type DeviceListing, type HookInterceptor, type KernelRefusal, type LifecycleContext, type MdevctlHooks,
  type MdevctlPlugin, type PlacementRoomQuery, type PlacementStep, type TapOptions, type TypeListing,
} from '@mdevctl/plugin-sdk';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { foreign } from '../lifecycle/unsettled.js';

/** The part of a tapable hook a view uses. */
interface Hook<Args extends unknown[], R> {
  tap(options: never, fn: (...args: Args) => R): void;
  tapPromise(options: never, fn: (...args: Args) => Promise<R>): void;
  intercept(interceptor: {
    name?: string;
    call?: (...args: Args) => void;
    result?: (result: R) => void;
    error?: (error: Error) => void;
    done?: () => void;
  }): void;
}

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

/**
 * Bail hooks: a plain tap's return value is the hook's result, so a tap given an async function
 * by mistake hands core its promise, which core then awaits (and must see settle).
 */
const BAIL_HOOKS = new Set(['lifecycle.create', 'lifecycle.live', 'query.activeAttributes', 'query.explainRefusal', 'placement.room', 'placement.choose']);

export function pluginView(hooks: CoreHooks, plugin: MdevctlPlugin): MdevctlHooks {
  const claims = plugin.claims;
  const run = (ctx: LifecycleContext) => claimsRun(claims, ctx);
  const active = (d: ActiveDevice) => claimsDevice(claims, d.parent, d.type);
  const view = <Args extends unknown[], R>(hookName: string, hook: Hook<Args, R>, sees: (first: Args[0]) => boolean) =>
    scopedHook(hook, hookName, plugin.name, sees);
  const l = hooks.lifecycle;
  return Object.freeze({
    lifecycle: Object.freeze({
      define: view('lifecycle.define', l.define, run),
      validate: view('lifecycle.validate', l.validate, run),
      pre: view('lifecycle.pre', l.pre, run),
      create: view('lifecycle.create', l.create, run),
      live: view('lifecycle.live', l.live, run),
      attrs: view('lifecycle.attrs', l.attrs, run),
      post: view('lifecycle.post', l.post, run),
      notify: view('lifecycle.notify', l.notify, run),
    }),
    query: Object.freeze({
      activeAttributes: view('query.activeAttributes', hooks.query.activeAttributes, active),
      explainRefusal: view('query.explainRefusal', hooks.query.explainRefusal, (r: KernelRefusal) => active(r.device)),
    }),
    listing: Object.freeze({
      device: view('listing.device', hooks.listing.device, (x: DeviceListing) => claimsDevice(claims, x.device.parent, x.device.type)),
      type: view('listing.type', hooks.listing.type, (x: TypeListing) => claimsDevice(claims, x.type.parent, x.type.type)),
    }),
    placement: Object.freeze({
      room: view('placement.room', hooks.placement.room, (q: PlacementRoomQuery) => claimsDevice(claims, q.parent, q.type)),
      // A policy sees a step when any of its candidates is claimed.
      choose: view('placement.choose', hooks.placement.choose, (s: PlacementStep) => s.candidates.some((c) => claimsDevice(claims, c.parent, c.type))),
    }),
  }) as unknown as MdevctlHooks;
}

/** tap/tapPromise/intercept on `hook`, each function guarded by `sees` and by the error naming. */
function scopedHook<Args extends unknown[], R>(hook: Hook<Args, R>, hookName: string, name: string, sees: (first: Args[0]) => boolean) {
  const named = (err: unknown) => namedError(name, err);
  return Object.freeze({
    tap(options: TapOptions, fn: (...args: Args) => R) {
      const awaited = BAIL_HOOKS.has(hookName);
      hook.tap(options as never, (...args: Args) => {
        if (!sees(args[0])) return undefined as R;
        let result: R;
        try {
          result = fn(...args);
        } catch (err) {
          throw named(err);
        }
        if (!awaited || typeof (result as { then?: unknown } | null)?.then !== 'function') return result;
        return foreign(`its ${hookName} tap`, result).then(undefined, (err: unknown) => {
          throw named(err);
        }) as R;
      });
    },
    tapPromise(options: TapOptions, fn: (...args: Args) => Promise<R>) {
      hook.tapPromise(options as never, async (...args: Args) => {
        if (!sees(args[0])) return undefined as R;
        try {
          return await foreign(`its ${hookName} tap`, fn(...args));
        } catch (err) {
          throw named(err);
        }
      });
    },
    intercept(interceptor: HookInterceptor<Args, R>) {
      // Calls of one hook nest (a query inside a lifecycle stage) but never interleave: a stack
      // remembers whether the plugin saw the call that is ending.
      const seen: boolean[] = [];
      const guarded = (f: () => void): void => {
        try {
          f();
        } catch (err) {
          throw named(err);
        }
      };
      hook.intercept({
        name: interceptor.name ?? name,
        call: (...args: Args) => {
          const s = sees(args[0]);
          seen.push(s);
          if (s) guarded(() => interceptor.call?.(...args));
        },
        result: (r: R) => void (seen.pop() === true && guarded(() => interceptor.result?.(r))),
        error: (e: Error) => void (seen.pop() === true && guarded(() => interceptor.error?.(e))),
        done: () => void (seen.pop() === true && guarded(() => interceptor.done?.())),
      });
    },
  });
}
