// Pretty JSON exactly like serde_json's to_string_pretty (2-space indent, `[]`/`{}` when empty),
// with objects as ordered key/value lists so key order never depends on JS property order.

export type Json = string | number | boolean | null | Json[] | JsonObject;
/** An object whose key order is the order of this list. */
export interface JsonObject {
  readonly entries: ReadonlyArray<readonly [string, Json]>;
}

export function obj(entries: ReadonlyArray<readonly [string, Json]>): JsonObject {
  return { entries };
}

export function prettyJson(value: Json, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value.entries.length === 0) return '{}';
  const lines = value.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
