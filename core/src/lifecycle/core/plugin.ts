// Core's own taps on the lifecycle: build the device, check it, do the primary action, write
// attributes. Plugins tap around these (a lower stage runs earlier).

import type { MdevctlHooks, MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { SDK_VERSION } from '@mdevctl/plugin-sdk';
import type { Host } from '../../host/host.js';
import { DeviceBuilder } from './build.js';
import { CoreChecks } from './checks.js';
import { CoreActions } from './actions.js';

const PLUGIN_NAME = 'mdevctl';
/** Core builds the device before plugins complete it, and handles the action after them. */
const FIRST = -100;
const LAST = 100;

export class CoreLifecyclePlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;

  constructor(private readonly host: Host) {}

  apply(hooks: MdevctlHooks): void {
    const builder = new DeviceBuilder(this.host, hooks);
    const checks = new CoreChecks(this.host);
    const actions = new CoreActions(this.host, hooks);
    const stages = hooks.lifecycle;
    stages.define.tapPromise({ name: PLUGIN_NAME, stage: FIRST }, (ctx) => builder.build(ctx));
    stages.validate.tap({ name: PLUGIN_NAME, stage: FIRST }, (ctx, diagnostics) => checks.check(ctx, diagnostics));
    stages.create.tapPromise({ name: PLUGIN_NAME, stage: LAST }, (ctx) => actions.primary(ctx));
    stages.attrs.tapPromise({ name: PLUGIN_NAME, stage: FIRST }, (ctx) => actions.writeAttributes(ctx));
  }
}
