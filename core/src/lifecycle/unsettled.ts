// Foreign promises that never settle. A plugin tap, a plugin module or a JS configuration file
// can hand us a promise that neither resolves nor rejects and keeps nothing else alive; node then
// drains its event loop and exits 0 with the command half-run (nothing printed, the lock left).
// Every such promise core awaits goes through `foreign()`, which names it. When node is about to
// exit ('beforeExit') while one is still pending, the innermost one (the one that cannot finish)
// is rejected with a NeverSettled error naming it, so the command unwinds as from any other
// failure: the pipeline undoes what it did, the lock is released, one line is printed and the
// exit status is 1. `command()` is the last guard, for a command pending with none of those
// pending: it resolves with the caller's fallback (one line, exit status 1) instead of exiting 0.

import { MdevctlError } from '../model/errors.js';

/** The error a foreign promise that never settled is rejected with. */
export class NeverSettled extends MdevctlError {
  constructor(what: string) {
    super(`${what} never finished (its promise never settled)`);
  }
}

interface Entry {
  readonly what: string;
  readonly give: () => void;
}

/** Foreign promises pending, in the order they were started (the last one is the innermost). */
const foreignPending = new Set<Entry>();
/** Commands pending, each with its fallback. */
const commandsPending = new Set<Entry>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('beforeExit', onBeforeExit);
}

function onBeforeExit(): void {
  let innermost: Entry | undefined;
  for (const e of foreignPending) innermost = e;
  if (innermost) {
    foreignPending.delete(innermost);
    innermost.give();
    return;
  }
  for (const c of [...commandsPending]) {
    commandsPending.delete(c);
    c.give();
  }
}

/**
 * `work` (a plugin's, a configuration file's), which must settle: if node would exit while it is
 * pending, the promise returned rejects with NeverSettled(`what`), e.g. `Plugin x: its
 * lifecycle.pre tap` → "Plugin x: its lifecycle.pre tap never finished (its promise never settled)".
 */
export function foreign<T>(what: string, work: PromiseLike<T> | T): Promise<T> {
  if (!isThenable(work)) return Promise.resolve(work);
  listen();
  return new Promise<T>((resolve, reject) => {
    const entry: Entry = { what, give: () => reject(new NeverSettled(what)) };
    foreignPending.add(entry);
    work.then(
      (value) => {
        foreignPending.delete(entry);
        resolve(value);
      },
      (err: unknown) => {
        foreignPending.delete(entry);
        reject(err);
      },
    );
  });
}

/** The command's result, or `fallback()`'s if node would exit while it is still pending. */
export function command<T>(work: Promise<T>, fallback: () => T): Promise<T> {
  listen();
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const entry: Entry = {
      what: 'command',
      give: () => {
        if (done) return;
        done = true;
        resolve(fallback());
      },
    };
    commandsPending.add(entry);
    const settle = (f: () => void) => {
      commandsPending.delete(entry);
      if (done) return;
      done = true;
      f();
    };
    work.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err)),
    );
  });
}

function isThenable<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
