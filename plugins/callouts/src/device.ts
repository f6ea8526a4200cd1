// The device as scripts see it: the arguments that name it and its config JSON on stdin, and
// reading the attribute list a `get attributes` call-out prints.

import type { Attribute, MdevDevice } from '@mdevctl/plugin-sdk';

/** What a call-out is about: enough to build `-t TYPE ... -u UUID -p PARENT`. */
export interface Target {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
}

/** The device config, compact, keys in upstream's order (attrs always present). */
export function configJson(device: MdevDevice): string {
  return JSON.stringify({
    mdev_type: device.type,
    start: device.start,
    attrs: device.attrs.map((a) => ({ [a.name]: a.value })),
  });
}

export type AttributesAnswer =
  /** Nothing printed (a script not made for `get` exits 0 silently), or JSON `null`. */
  | { readonly kind: 'none' }
  | { readonly kind: 'attrs'; readonly attrs: readonly Attribute[] }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * stdout of `get attributes`: a JSON array of one-key objects with string values. Trailing NULs
 * and whitespace are trimmed, and `[{}]` means no attributes, as upstream reads it.
 */
export function parseAttributes(stdout: string): AttributesAnswer {
  const text = stdout.replace(/[\0\s]+$/, '');
  if (text.trim() === '') return { kind: 'none' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', reason: `invalid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (value === null) return { kind: 'none' };
  if (!Array.isArray(value)) return { kind: 'invalid', reason: 'not a JSON array' };
  if (value.length === 1 && isObject(value[0]) && Object.keys(value[0]).length === 0) return { kind: 'attrs', attrs: [] };
  const attrs: Attribute[] = [];
  for (const [i, item] of value.entries()) {
    if (!isObject(item)) return { kind: 'invalid', reason: `attribute ${i} is not an object` };
    const entries = Object.entries(item);
    const [first] = entries;
    if (!first || entries.length !== 1) return { kind: 'invalid', reason: `attribute ${i} does not have exactly one field` };
    const [name, val] = first;
    if (typeof val !== 'string') return { kind: 'invalid', reason: `the value of attribute ${i} (${name}) is not a string` };
    attrs.push({ name, value: val });
  }
  return { kind: 'attrs', attrs };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
