// A test hook, not a feature (docs/RELIABILITY.md): with MDEVCTL_TEST_CRASH_AT=<point> in the
// environment, a mutating command SIGKILLs itself when it reaches that point, so tests can
// prove that the next command finds a consistent state. Unset (always, in real use) it costs
// one comparison per point.

export const CRASH_ENV = 'MDEVCTL_TEST_CRASH_AT';

/**
 * The points, in the order a run reaches them: after the define, validate and pre stages; after
 * the intent record is written (nothing changed yet); after the create stage (the primary
 * action done: definition written or removed, device created or removed); after the first
 * attribute of a start is written; after the attrs stage (intent not yet cleared); after the
 * post and notify stages (the lock still held); `step`: after each step of an `apply`. A point
 * may carry a count, `<point>:<n>`: the hook fires the n-th time the point is reached.
 */
export const CRASH_POINTS = ['define', 'validate', 'pre', 'intent', 'create', 'attr', 'attrs', 'post', 'notify', 'step'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

let armed: string | undefined;
let remaining = 1;

/** Reads the hook's variable from the command's environment (unset or empty: disarmed). */
export function armCrashHook(env: NodeJS.ProcessEnv): void {
  const at = env[CRASH_ENV];
  const m = at === undefined ? null : /^([a-z]+)(?::([1-9]\d*))?$/.exec(at);
  armed = at === undefined || at === '' ? undefined : (m?.[1] ?? at);
  remaining = m?.[2] !== undefined ? Number(m[2]) : 1;
}

/** Dies at once, as `kill -9` would, when the hook is armed for `point` (its n-th time). */
export function crashPoint(point: CrashPoint): void {
  if (armed === point && --remaining <= 0) process.kill(process.pid, 'SIGKILL');
}
