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
 * post and notify stages (the lock still held).
 */
export const CRASH_POINTS = ['define', 'validate', 'pre', 'intent', 'create', 'attr', 'attrs', 'post', 'notify'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

let armed: string | undefined;

/** Reads the hook's variable from the command's environment (unset or empty: disarmed). */
export function armCrashHook(env: NodeJS.ProcessEnv): void {
  const at = env[CRASH_ENV];
  armed = at === undefined || at === '' ? undefined : at;
}

/** Dies at once, as `kill -9` would, when the hook is armed for `point`. */
export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
