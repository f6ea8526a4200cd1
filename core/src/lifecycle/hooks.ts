// Creates the one frozen hooks object of a run: the lifecycle stages and the query hooks.

import { AsyncSeriesBailHook, AsyncSeriesHook } from 'tapable';
import type {
  ActiveDevice, AttributeList, Diagnostics, LifecycleContext, MdevctlHooks, QueryContext,
} from '@mdevctl/plugin-sdk';

type Ctx = [LifecycleContext];

export function createHooks(): MdevctlHooks {
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
    }),
  });
}
