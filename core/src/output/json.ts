// Pretty JSON exactly like serde_json's to_string_pretty (2-space indent, `[]`/`{}` when empty),
// with objects as ordered key/value lists so key order never depends on JS property order.
// Strings are made well-formed first (escape.ts): the output is always valid UTF-8, with no
// `\ud800`-style escape of a lone surrogate that strict parsers reject.

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
  return write(value, indent);
}

/**
 * value's text. Pieces are joined by string concatenation, which V8 keeps as ropes and flattens
 * once at the end: for 10k devices this allocates far less than an array of pieces or a
 * closure per node.
 */
function write(value: Json, indent: string): string {
  if (typeof value === 'string') return JSON.stringify(wellFormed(value));
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[\n' + inner + write(value[0] as Json, inner);
    for (let i = 1; i < value.length; i++) out += ',\n' + inner + write(value[i] as Json, inner);
    return out + '\n' + indent + ']';
  }
  const entries = value.entries;
  if (entries.length === 0) return '{}';
  let out = '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i] as readonly [string, Json];
    out += (i === 0 ? inner : ',\n' + inner) + JSON.stringify(wellFormed(k)) + ': ' + write(v, inner);
  }
  return out + '\n' + indent + '}';
}
