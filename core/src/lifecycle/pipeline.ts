// Runs one device through the lifecycle: define -> validate -> pre -> create -> attrs -> post
// -> notify. Validation problems are all reported at once, before anything is written; when
// create or attrs fails after core's primary action, that action is undone (journal.ts).

import type { CommandRequest, Diagnostic, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { CoreHooks } from './hooks.js';
import type { ChangeJournal } from './journal.js';
import { DiagnosticList } from './diagnostics.js';
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
    private readonly journal: ChangeJournal,
  ) {}

  /** Runs the request through every stage; resolves to the device the action applied to. */
  async run(request: CommandRequest, options: RunOptions): Promise<MdevDevice> {
    const stages = this.hooks.lifecycle;
    const ctx = this.context(request, options.force, false);
    const diagnostics = ctx.diagnostics;
    const device = await this.define(ctx);

    await stages.validate.promise(ctx, diagnostics);
    for (const w of diagnostics.warnings()) this.host.log.warn(w);
    if (diagnostics.hasErrors()) {
      const errors = diagnostics.items.filter((d) => d.severity === 'error');
      throw new ValidationFailed(diagnostics.errors(), errors.map((d) => d.source));
    }

    try {
      await stages.pre.promise(ctx);
    } catch (err) {
      await this.settle('notify', () => stages.notify.promise(ctx));
      throw err;
    }

    try {
      const handled = await stages.create.promise(ctx);
      if (handled !== true) throw new MdevctlError(`Internal error: nothing handled '${request.action}'`);
      await stages.attrs.promise(ctx);
      ctx.state = 'success';
    } catch (err) {
      ctx.state = 'failure';
      ctx.error = err;
      const problem = await this.journal.rollback(ctx);
      if (problem !== undefined) this.host.log.warn(problem);
    }

    await this.settle('post', () => stages.post.promise(ctx));
    await this.settle('notify', () => stages.notify.promise(ctx));
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
      host: this.host,
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
