// Core's own taps on the lifecycle: build the device, check it, do the primary action (recorded
// in the run's transaction), write attributes. They get the real hooks, unscoped; plugins tap around them
// (a lower stage runs earlier).

import type { Host } from '../../host/host.js';
import type { CoreHooks } from '../hooks.js';
import type { Transactions } from '../transaction.js';
import { DeviceBuilder } from './build.js';
import { InputFiles } from './jsonfile.js';
import { CoreChecks } from './checks.js';
import { CoreActions } from './actions.js';

export const CORE_TAP = 'mdevctl';
/** Core builds the device before plugins complete it, and handles the action after them. */
export const FIRST = -100;
export const LAST = 100;

export class CoreLifecyclePlugin {
  constructor(
    private readonly host: Host,
    private readonly journal: Transactions,
    /** The --jsonfile inputs, read by the command before it takes the lock. */
    private readonly inputs: InputFiles = new InputFiles(),
  ) {}

  apply(hooks: CoreHooks): void {
    const builder = new DeviceBuilder(this.host, hooks, this.inputs);
    const checks = new CoreChecks(this.host);
    const actions = new CoreActions(this.host, hooks, this.journal);
    const stages = hooks.lifecycle;
    stages.define.tapPromise({ name: CORE_TAP, stage: FIRST }, (ctx) => builder.build(ctx));
    stages.validate.tap({ name: CORE_TAP, stage: FIRST }, (ctx, diagnostics) => checks.check(ctx, diagnostics));
    stages.create.tapPromise({ name: CORE_TAP, stage: LAST }, (ctx) => actions.primary(ctx));
    stages.attrs.tapPromise({ name: CORE_TAP, stage: FIRST }, (ctx) => actions.writeAttributes(ctx));
  }
}
