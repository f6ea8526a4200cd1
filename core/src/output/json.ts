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
  const out: string[] = [];
  write(value, indent, out);
  return out.join('');
}

/** Appends the pieces of value's text to out (one array, not a string per node: 10k devices). */
function write(value: Json, indent: string, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value));
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[\n');
    value.forEach((v, i) => {
      out.push(i === 0 ? inner : `,\n${inner}`);
      write(v, inner, out);
    });
    out.push(`\n${indent}]`);
    return;
  }
  if (value.entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{\n');
  value.entries.forEach(([k, v], i) => {
    out.push(i === 0 ? inner : `,\n${inner}`, JSON.stringify(k), ': ');
    write(v, inner, out);
  });
  out.push(`\n${indent}}`);
}
