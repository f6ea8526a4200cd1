// The vfio-ccw plugin: its claims and its taps (validate stage, refusal hints).

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { checkCcw, PLUGIN_NAME } from './checks.js';
import { explainCcwRefusal } from './hints.js';
import { ccwRoom } from './placement.js';

export const CCW_TYPE = 'vfio_ccw-io';

export class VfioCcwPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  // Any parent: a vfio_ccw-io device on a parent that is no subchannel id is an error to report.
  readonly claims = { types: [CCW_TYPE] };

  apply(hooks: MdevctlHooks): void {
    hooks.placement?.room.tap(PLUGIN_NAME, (query) => ccwRoom(query));
    hooks.lifecycle.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => checkCcw(ctx, diagnostics));
    hooks.query.explainRefusal.tap(PLUGIN_NAME, (refusal, ctx) => explainCcwRefusal(refusal, ctx));
  }
}
