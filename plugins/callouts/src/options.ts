// The plugin's options and the environment knob for the script timeout.

export const TIMEOUT_ENV = 'MDEVCTL_CALLOUT_TIMEOUT_MS';
export const DEFAULT_TIMEOUT_MS = 30_000;
/** setTimeout's limit (about 24.8 days); a longer delay would fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

export interface CalloutsOptions {
  /** How long one script may run before it is killed (ms, default 30000). */
  readonly timeoutMs?: number;
  /** Where scripts' stderr is echoed (default: the run's stderr, from the plugin environment). */
  readonly writeStderr?: (text: string) => void;
}

export interface ResolvedOptions {
  readonly timeoutMs: number;
  readonly writeStderr: (text: string) => void;
}

/** Defaults filled in; options may come from a JSON configuration file, so they are checked. */
export function resolveOptions(options: CalloutsOptions): ResolvedOptions {
  return {
    timeoutMs: checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs'),
    writeStderr: typeof options.writeStderr === 'function' ? options.writeStderr : () => undefined,
  };
}

/** MDEVCTL_CALLOUT_TIMEOUT_MS when set (it wins over the option), else undefined. */
export function timeoutFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env[TIMEOUT_ENV]?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new RangeError(badTimeout(TIMEOUT_ENV, text));
  return checkTimeout(Number(text), TIMEOUT_ENV);
}

function checkTimeout(ms: number, what: string): number {
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_TIMEOUT_MS) throw new RangeError(badTimeout(what, String(ms)));
  return ms;
}

function badTimeout(what: string, value: string): string {
  return `${what} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, not '${value}'`;
}
