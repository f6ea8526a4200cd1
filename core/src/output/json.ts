// Pretty JSON exactly like serde_json's to_string_pretty (2-space indent, `[]`/`{}` when empty),
// with objects as ordered key/value lists so key order never depends on JS property order.
// The output is always valid UTF-8 without the `\ud800`-style escape JSON.stringify writes for a
// lone surrogate (strict parsers reject it): when the text has one (rare: a `\ud` anywhere), it
// is written again with every string made well-formed first (escape.ts).

import { wellFormed } from './escape.js';

export type Json = string | number | boolean | null | Json[] | JsonObject;
/** An object whose key order is the order of this list. */
export interface JsonObject {
  readonly entries: ReadonlyArray<readonly [string, Json]>;
}

export function obj(entries: ReadonlyArray<readonly [string, Json]>): JsonObject {
  return { entries };
}

export function prettyJson(value: Json, indent = ''): string {
  const out = write(value, indent, false);
  return out.includes('\\ud') ? write(value, indent, true) : out;
}

/**
 * value's text. Pieces are joined by string concatenation, which V8 keeps as ropes and flattens
 * once at the end: for 10k devices this allocates far less than an array of pieces or a
 * closure per node.
 */
function write(value: Json, indent: string, fix: boolean): string {
  if (typeof value === 'string') return JSON.stringify(fix ? wellFormed(value) : value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[\n' + inner + write(value[0] as Json, inner, fix);
    for (let i = 1; i < value.length; i++) out += ',\n' + inner + write(value[i] as Json, inner, fix);
    return out + '\n' + indent + ']';
  }
  const entries = value.entries;
  if (entries.length === 0) return '{}';
  let out = '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i] as readonly [string, Json];
    out += (i === 0 ? inner : ',\n' + inner) + JSON.stringify(fix ? wellFormed(k) : k) + ': ' + write(v, inner, fix);
  }
  return out + '\n' + indent + '}';
}
