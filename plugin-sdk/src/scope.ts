// Each plugin's own view of the hooks, shared by core and the SDK's test harness: built from
// HOOK_CONTRACT over any hooks that take taps (core's tapable hooks, the harness's TestHooks).
// A tap (or interceptor) runs only for the calls whose subject the plugin's `claims` cover (no
// claims: every call). The view only taps: a plugin cannot call or replace a hook. What a tap
// throws, and a promise it returns, pass through the caller's ScopeGuard (core names the plugin
// in the error and bounds the promise; the harness leaves both as they are).

import type { KernelRefusal, LifecycleContext } from './context.js';
import type { ActiveDevice } from './model.js';
import {
  HOOK_CONTRACT, type HookContract, type HookGroup, type HookInterceptor, type HookSpec, type HookSubject, type MdevctlHooks,
  type TapOptions,
} from './hooks.js';
import type { DeviceListing, TypeListing } from './listing.js';
import type { PlacementRoomQuery, PlacementStep } from './placement.js';
import { claimsDevice, claimsRun, type DeviceClaim } from './plugin.js';

/**
 * What a view needs of a hook: tap, tapPromise and intercept (tapable's hooks and TestHook have
 * them). The functions' types are the contract's, checked where the plugin taps the view; here
 * they are opaque (`never`).
 */
export interface TapTarget {
  tap(options: TapOptions, fn: never): void;
  tapPromise(options: TapOptions, fn: never): void;
  intercept(interceptor: never): void;
}

/** Hooks that take taps, one per hook of the contract. */
export type TapTargets = { readonly [G in HookGroup]: { readonly [K in keyof HookContract[G]]: TapTarget } };

/** How the caller treats what a plugin's taps do. */
export interface ScopeGuard {
  /** The error the caller sees for what a tap or interceptor threw (default: as thrown). */
  error?(err: unknown): unknown;
  /** Watches a promise a tap returned, named `its <group.hook> tap` (default: as it is). */
  settle?<T>(what: string, promise: PromiseLike<T>): Promise<T>;
}

/** True when a plugin with these claims sees a call whose first argument is `first`. */
export function claimsCall(claims: DeviceClaim | undefined, subject: HookSubject, first: unknown): boolean {
  if (!claims) return true;
  switch (subject) {
    case 'run':
      return claimsRun(claims, first as LifecycleContext);
    case 'device': {
      const d = first as ActiveDevice;
      return claimsDevice(claims, d.parent, d.type);
    }
    case 'refusal': {
      const d = (first as KernelRefusal).device;
      return claimsDevice(claims, d.parent, d.type);
    }
    case 'listedDevice': {
      const d = (first as DeviceListing).device;
      return claimsDevice(claims, d.parent, d.type);
    }
    case 'listedType': {
      const t = (first as TypeListing).type;
      return claimsDevice(claims, t.parent, t.type);
    }
    case 'placementQuery': {
      const q = first as PlacementRoomQuery;
      return claimsDevice(claims, q.parent, q.type);
    }
    case 'placementStep':
      // A policy sees a step when any of its candidates is claimed.
      return (first as PlacementStep).candidates.some((c) => claimsDevice(claims, c.parent, c.type));
  }
}

/** The plugin's view of `targets`: every hook of the contract, scoped to `claims`, frozen. */
export function scopedHooks(targets: TapTargets, claims: DeviceClaim | undefined, guard: ScopeGuard = {}, name?: string): MdevctlHooks {
  const groups = {} as Record<HookGroup, Record<string, unknown>>;
  for (const group of Object.keys(HOOK_CONTRACT) as HookGroup[]) {
    const hooks: Record<string, unknown> = {};
    const specs = HOOK_CONTRACT[group] as Record<string, HookSpec>;
    const own = targets[group] as Record<string, TapTarget>;
    for (const [hook, spec] of Object.entries(specs)) {
      const target = own[hook];
      if (target === undefined) throw new TypeError(`no hook ${group}.${hook} to scope`);
      hooks[hook] = scopedHook(target, `${group}.${hook}`, spec, claims, guard, name);
    }
    groups[group] = Object.freeze(hooks);
  }
  return Object.freeze(groups) as MdevctlHooks;
}

type Fn = (...args: unknown[]) => unknown;

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

function scopedHook(target: TapTarget, hookName: string, spec: HookSpec, claims: DeviceClaim | undefined, guard: ScopeGuard, name?: string) {
  const sees = (args: unknown[]) => claimsCall(claims, spec.subject, args[0]);
  const fail = (err: unknown) => (guard.error ? guard.error(err) : err);
  const settle = <T>(p: PromiseLike<T>): Promise<T> => (guard.settle ? guard.settle(`its ${hookName} tap`, p) : Promise.resolve(p));
  const guarded = (f: () => void): void => {
    try {
      f();
    } catch (err) {
      throw fail(err);
    }
  };
  return Object.freeze({
    tap(options: TapOptions, fn: Fn) {
      target.tap(options, ((...args: unknown[]) => {
        if (!sees(args)) return undefined;
        let result: unknown;
        try {
          result = fn(...args);
        } catch (err) {
          throw fail(err);
        }
        // A bail hook's answer is what the tap returns: a promise given by mistake (an async
        // function passed to tap) is awaited by the caller, so it must settle and name the plugin.
        if (spec.kind !== 'bail' || !isThenable(result)) return result;
        return settle(result).then(undefined, (err: unknown) => {
          throw fail(err);
        });
      }) as never);
    },
    tapPromise(options: TapOptions, fn: (...args: unknown[]) => Promise<unknown>) {
      target.tapPromise(options, (async (...args: unknown[]) => {
        if (!sees(args)) return undefined;
        try {
          return await settle(fn(...args));
        } catch (err) {
          throw fail(err);
        }
      }) as never);
    },
    intercept(interceptor: HookInterceptor<unknown[], unknown>) {
      // Calls of one hook may nest (a query inside a lifecycle stage) but never interleave: a
      // stack remembers whether the plugin saw the call that is ending.
      const seen: boolean[] = [];
      const label = interceptor.name ?? name;
      target.intercept({
        ...(label !== undefined ? { name: label } : {}),
        call: (...args: unknown[]) => {
          const s = sees(args);
          seen.push(s);
          if (s) guarded(() => interceptor.call?.(...args));
        },
        result: (r: unknown) => void (seen.pop() === true && guarded(() => interceptor.result?.(r))),
        error: (e: Error) => void (seen.pop() === true && guarded(() => interceptor.error?.(e))),
        done: () => void (seen.pop() === true && guarded(() => interceptor.done?.())),
      } satisfies HookInterceptor<unknown[], unknown> as never);
    },
  });
}
