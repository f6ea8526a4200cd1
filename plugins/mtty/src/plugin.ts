// The mtty plugin: its claims and its taps (`types -x`, `list -x`, refusal hints).

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { explainMttyRefusal } from './hints.js';
import { listMttyDevice, listMttyType } from './listing.js';
import { mttyRoom } from './placement.js';

export const PLUGIN_NAME = 'mtty';

export class MttyPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { parents: ['mtty'], types: (type: string) => type.startsWith('mtty-') };

  apply(hooks: MdevctlHooks): void {
    hooks.placement?.room.tap(PLUGIN_NAME, (query) => mttyRoom(query));
    hooks.listing.type.tap(PLUGIN_NAME, (listing, ctx) => listMttyType(listing, ctx));
    hooks.listing.device.tap(PLUGIN_NAME, (listing, ctx) => listMttyDevice(listing, ctx));
    hooks.query.explainRefusal.tap(PLUGIN_NAME, (refusal, ctx) => explainMttyRefusal(refusal, ctx));
  }
}
