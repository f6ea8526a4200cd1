// Runs one device through the lifecycle: define -> validate -> [live] -> pre -> create -> attrs
// -> post -> notify (live only for modify --live: the running device is changed first, as
// upstream does). Validation problems are all reported at once, before anything is written. Each
// run has one transaction (transaction.ts): it begins with the intent record before create
// (before live for modify --live), core's primary action registers its undo on it, and it
// commits, or rolls back when create or attrs fails. A live stage that no tap applies fails the
// run as a failed primary action does: pre and create do not run, post and notify do.
// crashPoint() marks where the MDEVCTL_TEST_CRASH_AT test hook can kill the run.

import type { CommandRequest, Diagnostic, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { CoreHooks } from './hooks.js';
import type { Transactions } from './transaction.js';
import type { Intent } from './intent.js';
import { crashPoint } from './crash-hook.js';
import { DiagnosticList, diagnosticText } from './diagnostics.js';
import { MdevctlError, ValidationFailed, messageOf } from '../model/errors.js';

export interface RunOptions {
  readonly force: boolean;
}

/** What `check` found for one stored definition. */
export interface CheckResult {
  readonly device: MdevDevice;
  readonly diagnostics: readonly Diagnostic[];
}

export class LifecyclePipeline {
  constructor(
    private readonly hooks: CoreHooks,
    private readonly host: Host,
    private readonly transactions: Transactions,
  ) {}

  /** Runs the request through every stage; resolves to the device the action applied to. */
  async run(request: CommandRequest, options: RunOptions): Promise<MdevDevice> {
    const stages = this.hooks.lifecycle;
    const ctx = this.context(request, options.force, false);
    const diagnostics = ctx.diagnostics;
    const device = await this.define(ctx);
    crashPoint('define');

    await stages.validate.promise(ctx, diagnostics);
    for (const w of diagnostics.items) if (w.severity === 'warning') this.host.log.warn(diagnosticText(w));
    if (diagnostics.hasErrors()) {
      const errors = diagnostics.items.filter((d) => d.severity === 'error');
      throw new ValidationFailed(errors.map(diagnosticText), errors.map((d) => d.source));
    }
    crashPoint('validate');

    // modify --live changes the running device in the live stage, before pre and the stored
    // change: its record begins before live, so that a crash between the two is reported too.
    const tx = this.transactions.open(ctx);
    try {
      const live = request.action === 'modify' && request.live === true;
      let applied: true | undefined;
      try {
        if (live) {
          tx.begin(intentOf(request, device, ctx.previous));
          applied = await stages.live.promise(ctx);
        }
        if (!live || applied === true) await stages.pre.promise(ctx);
      } catch (err) {
        tx.end();
        await this.settle('notify', () => stages.notify.promise(ctx));
        throw err;
      }
      if (live && applied !== true) {
        // Nothing was changed: the run fails as a failed primary action does (post, notify).
        tx.end();
        ctx.state = 'failure';
        // Debian's mdevctl 1.4.0's words: libvirt shows this line to `virsh nodedev-update --live` users.
        ctx.error = new MdevctlError('Live modification is not supported for this device type. Changing the device configuration requires stopping and restarting the device.');
        await this.settle('post', () => stages.post.promise(ctx));
        await this.settle('notify', () => stages.notify.promise(ctx));
        throw ctx.error;
      }
      crashPoint('pre');

      tx.begin(intentOf(request, ctx.device ?? device, ctx.previous)); // no-op when begun before pre
      crashPoint('intent');
      try {
        const handled = await stages.create.promise(ctx);
        if (handled !== true) throw new MdevctlError(`Internal error: nothing handled '${request.action}'`);
        crashPoint('create');
        await stages.attrs.promise(ctx);
        crashPoint('attrs');
        ctx.state = 'success';
        tx.commit();
      } catch (err) {
        ctx.state = 'failure';
        ctx.error = err;
        const problem = await tx.rollback();
        if (problem !== undefined) this.host.log.warn(problem);
      } finally {
        // Done or taken back (or reported as impossible to take back): nothing left to recover.
        tx.end();
      }
    } finally {
      this.transactions.close(ctx);
    }

    await this.settle('post', () => stages.post.promise(ctx));
    crashPoint('post');
    await this.settle('notify', () => stages.notify.promise(ctx));
    crashPoint('notify');
    if (ctx.state === 'failure') throw ctx.error;
    return ctx.device ?? device;
  }

  /**
   * `mdevctl validate`: the define and validate stages of a start of the stored definition, with
   * `checkOnly` set; nothing is written and no call-out runs. A define-stage failure throws.
   */
  async check(uuid: string, parent: string): Promise<CheckResult> {
    const ctx = this.context({ action: 'start', uuid, parent }, false, true);
    const active = this.host.sysfs.activeDevice(uuid);
    if (active) ctx.active = active;
    const device = await this.define(ctx);
    await this.hooks.lifecycle.validate.promise(ctx, ctx.diagnostics);
    return { device, diagnostics: ctx.diagnostics.items };
  }

  private context(request: CommandRequest, force: boolean, checkOnly: boolean): LifecycleContext & { diagnostics: DiagnosticList } {
    return {
      action: request.action,
      request,
      force,
      checkOnly,
      host: this.host.view,
      log: this.host.log,
      diagnostics: new DiagnosticList(),
      state: 'none',
      scratch: new Map(),
    };
  }

  private async define(ctx: LifecycleContext): Promise<MdevDevice> {
    await this.hooks.lifecycle.define.promise(ctx);
    if (!ctx.device) throw new MdevctlError(`Internal error: no device was built for '${ctx.action}'`);
    return ctx.device;
  }

  /** Post and notify never change the outcome: their errors are logged. */
  private async settle(stage: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.host.log.warn(`${stage} stage failed: ${messageOf(err)}`);
    }
  }
}

function intentOf(request: CommandRequest, device: MdevDevice, previous: MdevDevice | undefined): Intent {
  const live = request.action === 'modify' && request.live === true;
  const defined = request.action === 'modify' && request.defined === true;
  return { pid: process.pid, action: request.action, live, defined, device, previous };
}
