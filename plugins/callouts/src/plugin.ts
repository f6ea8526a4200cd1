// The plugin's taps on the lifecycle and the query hooks (tap name `callouts`): live (modify
// --live through the versioned script, before pre), pre (state none; a failure aborts unless
// --force), post (state success/failure; result ignored), notify (every notifier) and
// activeAttributes (`get attributes` for list and for define -u of a running device).

import {
  SDK_VERSION,
  type ActiveDevice,
  type AttributeList,
  type LifecycleContext,
  type MdevctlHooks,
  type MdevctlPlugin,
  type MdevDevice,
  type QueryContext,
} from '@mdevctl/plugin-sdk';
import { configJson, parseAttributes } from './device.js';
import { CalloutEngine, type Outcome } from './engine.js';
import { resolveOptions, type CalloutsOptions } from './options.js';

export const PLUGIN_NAME = 'callouts';

/**
 * The SDK's marker for an error printed as it stands (no `Plugin callouts: ` prefix): a registered
 * symbol, so it is recognised by any copy of the SDK (what the SDK's VerbatimError carries).
 */
const VERBATIM = Symbol.for('@mdevctl/plugin-sdk/verbatim');

/** A call-out failure the user sees as the command's error, worded as upstream words it. */
export class CalloutError extends Error {
  override readonly name = 'CalloutError';
  readonly [VERBATIM] = true;
}

/** What the taps of one pipeline run tell each other (in ctx.scratch). */
interface RunNotes {
  /** modify --live: the live call-out ran (live stage); or no versioned script can do it. */
  live?: 'applied' | 'unavailable';
}

export class CalloutsPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  private readonly engine: CalloutEngine;

  constructor(options: CalloutsOptions = {}) {
    this.engine = new CalloutEngine(resolveOptions(options));
  }

  apply(hooks: MdevctlHooks): void {
    const stages = hooks.lifecycle;
    stages.pre.tapPromise(PLUGIN_NAME, (ctx) => this.pre(ctx));
    stages.live.tapPromise(PLUGIN_NAME, (ctx) => this.liveStage(ctx));
    stages.post.tapPromise(PLUGIN_NAME, (ctx) => this.post(ctx));
    stages.notify.tapPromise(PLUGIN_NAME, (ctx) => this.notify(ctx));
    hooks.query.activeAttributes.tapPromise(PLUGIN_NAME, (device, query) => this.attributes(device, query));
  }

  private async pre(ctx: LifecycleContext): Promise<void> {
    const device = ctx.device;
    if (!device) return;
    const req = ctx.request;
    // A live-only modify runs no pre/post call-outs at all.
    if (req.action === 'modify' && req.live && !req.defined) return;
    const outcome = await this.engine.callout(ctx.host.root, ctx.log, { target: device, event: 'pre', action: ctx.action, state: 'none', input: configJson(device) });
    if (outcome.kind !== 'failed') return;
    if (!ctx.force) throw new CalloutError(outcome.message);
    ctx.log.warn(`Forcing operation '${ctx.action}' despite callout failure. Error was: ${outcome.message}`);
  }

  /**
   * The live stage (modify --live, before pre: upstream's order): the live call-out, then with
   * --defined the notification of it. Undefined when no script can apply it (core then fails).
   */
  private async liveStage(ctx: LifecycleContext): Promise<true | undefined> {
    const device = ctx.device;
    const req = ctx.request;
    if (!device || req.action !== 'modify' || !req.live) return undefined;
    if (!(await this.live(ctx, device))) return undefined;
    if (req.defined) await this.engine.notify(ctx.host.root, ctx.log, device, 'modify', 'none', configJson(device));
    return true;
  }

  /** The `live` call-out, only through a versioned script that lists event live and action modify. */
  private async live(ctx: LifecycleContext, device: MdevDevice): Promise<boolean> {
    const root = ctx.host.root;
    const script = await this.engine.versionedScript(root, device, ctx.log);
    if (!script || !script.supports.events.has('live') || !script.supports.actions.has('modify')) {
      ctx.log.debug(`No call-out script with version support handles live modify of ${device.parent}/${device.type}`);
      notes(ctx).live = 'unavailable';
      return false; // core reports it when no live tap applies the change
    }
    const outcome = await this.engine.callout(root, ctx.log, { target: device, event: 'live', action: 'modify', state: 'none', input: configJson(device) });
    if (outcome.kind === 'failed') throw new CalloutError(outcome.message);
    if (outcome.kind === 'none') throw new CalloutError(`Script '${script.path}' could not apply the change to the running device`);
    notes(ctx).live = 'applied';
    return true;
  }

  private async post(ctx: LifecycleContext): Promise<void> {
    const device = ctx.device;
    const req = ctx.request;
    if (!device || (req.action === 'modify' && req.live && (!req.defined || notes(ctx).live === 'unavailable'))) return;
    const state = ctx.state === 'success' ? 'success' : 'failure';
    const outcome = await this.engine.callout(ctx.host.root, ctx.log, { target: device, event: 'post', action: ctx.action, state, input: configJson(device) });
    if (outcome.kind === 'failed') logPostFailure(ctx, outcome);
  }

  private async notify(ctx: LifecycleContext): Promise<void> {
    const device = ctx.device;
    if (!device || notes(ctx).live === 'unavailable') return;
    await this.engine.notify(ctx.host.root, ctx.log, device, ctx.action, ctx.state, configJson(device));
  }

  private async attributes(device: ActiveDevice, query: QueryContext): Promise<AttributeList | undefined> {
    // Asked for define -u of a running device, a failure must fail the define; asked by list, it
    // only costs that device its attributes.
    const strict = query.purpose === 'define';
    const outcome = await this.engine.callout(query.host.root, query.log, { target: device, event: 'get', action: 'attributes', state: 'none', input: '' });
    let failure: string;
    if (outcome.kind === 'none') return undefined;
    if (outcome.kind === 'ok') {
      const answer = parseAttributes(outcome.stdout);
      if (answer.kind === 'none') return undefined;
      if (answer.kind === 'attrs') return answer.attrs;
      failure = `Script '${outcome.script}' returned invalid attributes for device ${device.uuid}: ${answer.reason}`;
    } else {
      if (outcome.unsupported === true && !strict) return undefined;
      failure = outcome.message;
    }
    if (strict) throw new CalloutError(failure);
    query.log.warn(`Listing device ${device.uuid} without attributes: ${failure}`);
    return undefined;
  }
}

function notes(ctx: LifecycleContext): RunNotes {
  let n = ctx.scratch.get(PLUGIN_NAME) as RunNotes | undefined;
  if (!n) {
    n = {};
    ctx.scratch.set(PLUGIN_NAME, n);
  }
  return n;
}

/** post is non-disruptive (upstream): a status is only debug output, a hung script a warning. */
function logPostFailure(ctx: LifecycleContext, outcome: Extract<Outcome, { kind: 'failed' }>): void {
  if (outcome.broken === true) ctx.log.warn(outcome.message);
  else ctx.log.debug(`Post call-out failed (ignored): ${outcome.message}`);
}
