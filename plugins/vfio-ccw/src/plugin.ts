// The vfio-ccw plugin: its claims and its taps (validate stage, refusal hints).

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { checkCcw, PLUGIN_NAME } from './checks.js';
import { explainCcwRefusal } from './hints.js';
import { ccwRoom } from './placement.js';

import { CCW_CLAIM } from './subchannel.js';

export { CCW_TYPE } from './subchannel.js';

export class VfioCcwPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = CCW_CLAIM;

  apply(hooks: MdevctlHooks): void {
    hooks.placement?.room.tap(PLUGIN_NAME, (query) => ccwRoom(query));
    hooks.lifecycle.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => checkCcw(ctx, diagnostics));
    hooks.query.explainRefusal.tap(PLUGIN_NAME, (refusal, ctx) => explainCcwRefusal(refusal, ctx));
  }
}
