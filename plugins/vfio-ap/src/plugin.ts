// The vfio-ap plugin (parent `matrix`, type `vfio_ap-passthrough`): validates attributes and
// APQN conflicts before anything is written, holds s390-tools' AP configuration lock from pre to
// post (after the call-outs' pre, so that a still-installed ap-check, which takes the lock in
// mdevctl's name, goes first; released in post, or in notify when pre failed), explains the
// kernel's refusals, and lists each device's APQN matrix with `-x`.

import { SDK_VERSION, type LifecycleContext, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { checkRun } from './checks.js';
import { explain } from './hints.js';
import { PARENT, TYPE } from './host-state.js';
import { addMatrix, listedMatrix } from './listing.js';
import { ApConfigLock } from './lock.js';

export const PLUGIN_NAME = 'vfio-ap';

/** After the call-outs' pre/post (stage 0): see the file comment. */
const LOCK_STAGE = 50;

export interface VfioApOptions {
  /** How long to wait for s390-tools' AP configuration lock held by another process (ms). */
  readonly lockWaitMs?: number;
}

export const DEFAULT_LOCK_WAIT_MS = 60_000;

export class VfioApPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { parents: [PARENT], types: [TYPE] };
  private readonly lockWaitMs: number;

  constructor(options: VfioApOptions = {}) {
    const wait = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0) {
      throw new Error(`lockWaitMs must be a whole number of milliseconds from 0, not ${String(wait)}`);
    }
    this.lockWaitMs = wait;
  }

  apply(hooks: MdevctlHooks): void {
    const stages = hooks.lifecycle;
    stages.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => {
      const { errors, warnings } = checkRun(ctx);
      for (const e of errors) diagnostics.error(PLUGIN_NAME, e);
      for (const w of warnings) diagnostics.warn(PLUGIN_NAME, w);
    });
    stages.pre.tapPromise({ name: PLUGIN_NAME, stage: LOCK_STAGE }, (ctx) => this.lock(ctx));
    stages.post.tap({ name: PLUGIN_NAME, stage: LOCK_STAGE }, (ctx) => void new ApConfigLock(ctx.host.root).release());
    stages.notify.tap({ name: PLUGIN_NAME, stage: LOCK_STAGE }, (ctx) => void new ApConfigLock(ctx.host.root).release());
    hooks.query.explainRefusal.tap(PLUGIN_NAME, (refusal, query) => explain(refusal, query.host));
    hooks.listing.device.tap(PLUGIN_NAME, (listing, query) => addMatrix(listing, listedMatrix(listing, query.host)));
  }

  /** Takes the lock, then checks again what another tool may have changed before we held it. */
  private async lock(ctx: LifecycleContext): Promise<void> {
    const lock = new ApConfigLock(ctx.host.root);
    await lock.acquire({
      waitMs: this.lockWaitMs,
      onWait: (holder) => ctx.log.info(`Waiting for the AP configuration lock ${lock.path}, held by process ${holder ?? '?'}`),
      onForeign: (path, uid) =>
        ctx.log.warn(`Replacing ${path}: owned by uid ${uid}, not root, so no lock of s390-tools (any user can write there)`),
    });
    const { errors } = checkRun(ctx);
    if (errors.length > 0) {
      lock.release();
      throw new Error(`${errors.join('; ')} (the host changed before mdevctl held the AP configuration lock)`);
    }
  }
}
