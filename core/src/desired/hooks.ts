// The placement hooks of core (tapable), created with the other hooks (lifecycle/hooks.ts): the
// room a parent has for one more device, and the choice of parent for a placement policy.

import { AsyncSeriesBailHook } from 'tapable';
import type { PlacementRoomQuery, PlacementStep, QueryContext } from '@mdevctl/plugin-sdk';

export interface CorePlacementHooks {
  readonly room: AsyncSeriesBailHook<[PlacementRoomQuery, QueryContext], number | undefined>;
  readonly choose: AsyncSeriesBailHook<[PlacementStep, QueryContext], string | undefined>;
}

export function createPlacementHooks(): CorePlacementHooks {
  return Object.freeze({
    room: new AsyncSeriesBailHook<[PlacementRoomQuery, QueryContext], number | undefined>(['query', 'ctx']),
    choose: new AsyncSeriesBailHook<[PlacementStep, QueryContext], string | undefined>(['step', 'ctx']),
  });
}
