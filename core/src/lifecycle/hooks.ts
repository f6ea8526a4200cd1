// Creates the one frozen set of hooks of a run: the lifecycle stages, the query hooks and the
// listing hooks, as tapable hooks core can call. Plugins never get these: each gets its own
// scoped view (plugins/scope.ts) with the SDK's tap-only interfaces.

import { AsyncSeriesBailHook, AsyncSeriesHook } from 'tapable';
import type {
  ActiveDevice, AttributeList, DeviceListing, Diagnostics, KernelRefusal, LifecycleContext, QueryContext, TypeListing,
} from '@mdevctl/plugin-sdk';
import { createPlacementHooks, type CorePlacementHooks } from '../desired/hooks.js';

type Ctx = [LifecycleContext];

export interface CoreHooks {
  readonly lifecycle: {
    readonly define: AsyncSeriesHook<Ctx>;
    readonly validate: AsyncSeriesHook<[LifecycleContext, Diagnostics]>;
    readonly pre: AsyncSeriesHook<Ctx>;
    readonly create: AsyncSeriesBailHook<Ctx, true | undefined>;
    readonly live: AsyncSeriesBailHook<Ctx, true | undefined>;
    readonly attrs: AsyncSeriesHook<Ctx>;
    readonly post: AsyncSeriesHook<Ctx>;
    readonly notify: AsyncSeriesHook<Ctx>;
  };
  readonly query: {
    readonly activeAttributes: AsyncSeriesBailHook<[ActiveDevice, QueryContext], AttributeList | undefined>;
    readonly explainRefusal: AsyncSeriesBailHook<[KernelRefusal, QueryContext], string | undefined>;
  };
  readonly listing: {
    readonly device: AsyncSeriesHook<[DeviceListing, QueryContext]>;
    readonly type: AsyncSeriesHook<[TypeListing, QueryContext]>;
  };
  readonly placement: CorePlacementHooks;
}

export function createHooks(): CoreHooks {
  return Object.freeze({
    lifecycle: Object.freeze({
      define: new AsyncSeriesHook<Ctx>(['ctx']),
      validate: new AsyncSeriesHook<[LifecycleContext, Diagnostics]>(['ctx', 'diagnostics']),
      pre: new AsyncSeriesHook<Ctx>(['ctx']),
      create: new AsyncSeriesBailHook<Ctx, true | undefined>(['ctx']),
      live: new AsyncSeriesBailHook<Ctx, true | undefined>(['ctx']),
      attrs: new AsyncSeriesHook<Ctx>(['ctx']),
      post: new AsyncSeriesHook<Ctx>(['ctx']),
      notify: new AsyncSeriesHook<Ctx>(['ctx']),
    }),
    query: Object.freeze({
      activeAttributes: new AsyncSeriesBailHook<[ActiveDevice, QueryContext], AttributeList | undefined>([
        'device',
        'ctx',
      ]),
      explainRefusal: new AsyncSeriesBailHook<[KernelRefusal, QueryContext], string | undefined>(['refusal', 'ctx']),
    }),
    listing: Object.freeze({
      device: new AsyncSeriesHook<[DeviceListing, QueryContext]>(['listing', 'ctx']),
      type: new AsyncSeriesHook<[TypeListing, QueryContext]>(['listing', 'ctx']),
    }),
    placement: createPlacementHooks(),
  });
}
