// The i915-gvtg plugin: its claims and its taps (validate stage, refusal hints, `types -x`).

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { checkGvt, PLUGIN_NAME } from './checks.js';
import { explainGvtRefusal } from './hints.js';
import { listGvtType } from './listing.js';
import { gvtRoom } from './placement.js';

/** `i915-GVTg_V4_*` (Broadwell) and `i915-GVTg_V5_*` (Skylake and later); any parent. */
export const GVT_TYPE = /^i915-GVTg_V\d+_\d+$/;

export class I915GvtgPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { types: (type: string) => GVT_TYPE.test(type) };

  apply(hooks: MdevctlHooks): void {
    hooks.placement?.room.tap(PLUGIN_NAME, (query) => gvtRoom(query));
    hooks.lifecycle.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => checkGvt(ctx, diagnostics));
    hooks.query.explainRefusal.tap(PLUGIN_NAME, (refusal, ctx) => explainGvtRefusal(refusal, ctx));
    hooks.listing.type.tap(PLUGIN_NAME, (listing, ctx) => listGvtType(listing, ctx));
  }
}
