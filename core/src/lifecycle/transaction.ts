// One transaction per pipeline run: it begins with the intent record (what is about to change,
// so that the next command can take it back if this process dies half-way: intent.ts,
// recovery.ts), registers how to undo core's primary action once it succeeded, and ends by a
// commit (the change stays) or a rollback (the change is undone when a later step of the same
// run fails: attributes, or a plugin's attrs tap). Either way the intent record is ended, so a
// failed command never leaves a half-done device change behind, nor a record of one.

import type { LifecycleContext } from '@mdevctl/plugin-sdk';
import type { Intent } from './intent.js';

/** Where a run's intent is recorded (IntentLog, intent.ts). */
export interface IntentRecord {
  begin(intent: Intent): void;
  end(): void;
}

export type Undo = () => Promise<void> | void;

export class Transaction {
  private undo: { what: string; undo: Undo } | undefined;
  private begun = false;

  constructor(private readonly intents: IntentRecord | undefined) {}

  /** Writes the intent record (once: a second begin of the same run is a no-op). */
  begin(intent: Intent): void {
    if (this.begun) return;
    this.intents?.begin(intent);
    this.begun = true;
  }

  /** Core's primary action succeeded; `undo` takes it back. */
  record(what: string, undo: Undo): void {
    this.undo = { what, undo };
  }

  /** The change was already taken back (or cannot be): nothing to undo. */
  forget(): void {
    this.undo = undefined;
  }

  /** The run's change stays; the intent record ends. */
  commit(): void {
    this.undo = undefined;
    this.end();
  }

  /** Takes back the run's change, if any, then ends the record; resolves to a problem text when the undo failed. */
  async rollback(): Promise<string | undefined> {
    const entry = this.undo;
    this.undo = undefined;
    try {
      if (entry) await entry.undo();
      return undefined;
    } catch (err) {
      return `Could not undo the ${entry?.what ?? 'change'}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.end();
    }
  }

  /** Ends the intent record without deciding (the run stopped before changing anything). */
  end(): void {
    if (!this.begun) return;
    this.begun = false;
    this.intents?.end();
  }
}

/** The transaction of each running pipeline run, for core's taps that register undos on it. */
export class Transactions {
  private readonly runs = new WeakMap<LifecycleContext, Transaction>();

  constructor(private readonly intents?: IntentRecord) {}

  /** Opens the transaction of a run. */
  open(ctx: LifecycleContext): Transaction {
    const tx = new Transaction(this.intents);
    this.runs.set(ctx, tx);
    return tx;
  }

  close(ctx: LifecycleContext): void {
    this.runs.delete(ctx);
  }

  /** Core's primary action of this run succeeded; `undo` takes it back. */
  record(ctx: LifecycleContext, what: string, undo: Undo): void {
    this.runs.get(ctx)?.record(what, undo);
  }

  /** The change of this run was already taken back (or cannot be). */
  forget(ctx: LifecycleContext): void {
    this.runs.get(ctx)?.forget();
  }
}
