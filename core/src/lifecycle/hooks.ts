// Creates the one frozen set of hooks of a run, derived from the SDK's HOOK_CONTRACT: for each
// hook of the contract a tapable hook of its kind (series or bail) with its argument names, typed
// by the contract. Plugins never get these: each gets its own scoped view (plugins/scope.ts) with
// the SDK's tap-only interfaces.

import { AsyncSeriesBailHook, AsyncSeriesHook } from 'tapable';
import { HOOK_CONTRACT, type HookContract, type HookGroup, type HookSpec, type SpecAnswer, type SpecArgs } from '@mdevctl/plugin-sdk';

/** The tapable hook for a hook of the contract: a bail hook answers `R | undefined`. */
export type TapableHook<S> = S extends { readonly kind: 'bail' }
  ? AsyncSeriesBailHook<SpecArgs<S>, SpecAnswer<S> | undefined>
  : AsyncSeriesHook<SpecArgs<S>>;

export type CoreHooks = {
  readonly [G in HookGroup]: { readonly [K in keyof HookContract[G]]: TapableHook<HookContract[G][K]> };
};

export function createHooks(): CoreHooks {
  const make = (spec: HookSpec) => (spec.kind === 'bail' ? new AsyncSeriesBailHook<unknown[], unknown>([...spec.args] as never) : new AsyncSeriesHook<unknown[]>([...spec.args] as never));
  const group = (g: HookGroup): Record<string, unknown> =>
    Object.freeze(Object.fromEntries(Object.entries(HOOK_CONTRACT[g]).map(([name, spec]) => [name, make(spec as HookSpec)])));
  const hooks: Record<HookGroup, Record<string, unknown>> = {
    lifecycle: group('lifecycle'),
    query: group('query'),
    listing: group('listing'),
    placement: group('placement'),
  };
  return Object.freeze(hooks) as CoreHooks;
}
