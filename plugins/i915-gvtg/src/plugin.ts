// The i915-gvtg plugin: its claims and its taps (validate stage, refusal hints, `types -x`).

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { checkGvt, PLUGIN_NAME } from './checks.js';
import { explainGvtRefusal } from './hints.js';
import { listGvtType } from './listing.js';
import { gvtRoom } from './placement.js';

import { GVT_CLAIM } from './claim.js';

export { GVT_TYPE } from './claim.js';

export class I915GvtgPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = GVT_CLAIM;

  apply(hooks: MdevctlHooks): void {
    hooks.placement?.room.tap(PLUGIN_NAME, (query) => gvtRoom(query));
    hooks.lifecycle.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => checkGvt(ctx, diagnostics));
    hooks.query.explainRefusal.tap(PLUGIN_NAME, (refusal, ctx) => explainGvtRefusal(refusal, ctx));
    hooks.listing.type.tap(PLUGIN_NAME, (listing, ctx) => listGvtType(listing, ctx));
  }
}
