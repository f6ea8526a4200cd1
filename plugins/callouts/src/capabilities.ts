// Call-out versioning (`-e get -a capabilities`): what we offer on stdin, and reading a
// script's `{"supports": {...}}` answer the way upstream's serde types do.

/** Every event and action this mdevctl can send (upstream's version 2). */
export const EVENTS = ['pre', 'post', 'notify', 'get', 'live'] as const;
export const ACTIONS = ['start', 'stop', 'define', 'undefine', 'modify', 'attributes', 'capabilities'] as const;
export type CalloutEvent = (typeof EVENTS)[number];
export type CalloutAction = (typeof ACTIONS)[number];

/** The stdin of a capabilities probe, compact as serde_json writes it. */
export const PROVIDES_JSON = JSON.stringify({ provides: { version: 2, actions: ACTIONS, events: EVENTS } });

export interface Supports {
  readonly version: number;
  readonly actions: ReadonlySet<string>;
  readonly events: ReadonlySet<string>;
}

/**
 * The script's answer when it is a valid versioning JSON: an object whose `supports` holds a
 * `version` (unsigned 32-bit integer) and string arrays `actions` and `events`. Other fields
 * are allowed; names we do not know are ignored. Trailing NULs are trimmed as upstream does.
 */
export function parseSupports(stdout: string): Supports | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stdout.replace(/\0+$/, ''));
  } catch {
    return undefined;
  }
  if (!isObject(value) || !isObject(value['supports'])) return undefined;
  const s = value['supports'];
  const version = s['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 0xffffffff) return undefined;
  const actions = stringArray(s['actions']);
  const events = stringArray(s['events']);
  if (!actions || !events) return undefined;
  return {
    version,
    actions: new Set(actions.filter((a) => (ACTIONS as readonly string[]).includes(a))),
    events: new Set(events.filter((e) => (EVENTS as readonly string[]).includes(e))),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}
