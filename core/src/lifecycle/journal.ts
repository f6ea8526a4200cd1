// What core's primary action changed in one pipeline run, and how to take it back: when a later
// step of the same run fails (attributes, or a plugin's attrs tap), the pipeline undoes the change
// so a failed command never leaves a half-done device change behind.

import type { LifecycleContext } from '@mdevctl/plugin-sdk';

export type Undo = () => Promise<void> | void;

export class ChangeJournal {
  private readonly undos = new WeakMap<LifecycleContext, { what: string; undo: Undo }>();

  /** Core's primary action of this run succeeded; `undo` takes it back. */
  record(ctx: LifecycleContext, what: string, undo: Undo): void {
    this.undos.set(ctx, { what, undo });
  }

  /** The change was already taken back (or cannot be). */
  forget(ctx: LifecycleContext): void {
    this.undos.delete(ctx);
  }

  /** Takes back the run's change, if any; resolves to a problem text when that failed. */
  async rollback(ctx: LifecycleContext): Promise<string | undefined> {
    const entry = this.undos.get(ctx);
    if (!entry) return undefined;
    this.undos.delete(ctx);
    try {
      await entry.undo();
      return undefined;
    } catch (err) {
      return `Could not undo the ${entry.what}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
