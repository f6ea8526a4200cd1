// A small in-memory implementation of the SDK's hook interfaces, for testing plugins without
// mdevctl: taps ordered by stage (then `before`, then registration), series or bail, interceptors.

import type { HookInterceptor, TapOptions } from '../hooks.js';

interface Tap {
  readonly name: string;
  readonly stage: number;
  readonly fn: (...args: never[]) => unknown;
}

/** One hook: tap it like a plugin does, call it with `run(...)`. */
export class TestHook<Args extends unknown[], R = void> {
  private readonly taps: Tap[] = [];
  private readonly interceptors: Array<HookInterceptor<Args, R>> = [];

  /** `bail`: stop at the first tap that returns something other than undefined. */
  constructor(private readonly bail: boolean) {}

  tap(options: TapOptions, fn: (...args: Args) => unknown): void {
    this.insert(options, fn);
  }

  tapPromise(options: TapOptions, fn: (...args: Args) => Promise<unknown>): void {
    this.insert(options, fn);
  }

  intercept(interceptor: HookInterceptor<Args, R>): void {
    this.interceptors.push(interceptor);
  }

  /** The names of the taps, in the order they run. */
  names(): string[] {
    return this.taps.map((t) => t.name);
  }

  /** Runs the taps in order; a bail hook resolves to the first answer. */
  async run(...args: Args): Promise<R | undefined> {
    for (const i of this.interceptors) i.call?.(...args);
    try {
      for (const tap of this.taps) {
        const result = await (tap.fn as (...a: Args) => unknown)(...args);
        if (this.bail && result !== undefined) {
          for (const i of this.interceptors) i.result?.(result as R);
          return result as R;
        }
      }
    } catch (err) {
      for (const i of this.interceptors) i.error?.(err as Error);
      throw err;
    }
    for (const i of this.interceptors) i.done?.();
    return undefined;
  }

  private insert(options: TapOptions, fn: (...args: never[]) => unknown): void {
    const o = typeof options === 'string' ? { name: options } : options;
    const tap: Tap = { name: o.name, stage: o.stage ?? 0, fn };
    const before = new Set(typeof o.before === 'string' ? [o.before] : (o.before ?? []));
    let at = this.taps.length;
    // As tapable orders them: before every tap named in `before`, after taps of a lower or equal stage.
    while (at > 0) {
      const prev = this.taps[at - 1] as Tap;
      if (before.delete(prev.name) || before.size > 0 || prev.stage > tap.stage) {
        at--;
        continue;
      }
      break;
    }
    this.taps.splice(at, 0, tap);
  }
}
