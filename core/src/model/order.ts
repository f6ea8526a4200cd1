// Sorting as upstream does (Rust BTreeMap / String ordering): by UTF-8 bytes.

/** UTF-16 code units whose order can differ from their UTF-8 byte order (surrogates and up). */
const HIGH_UNITS = /[\ud800-\uffff]/;

export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  // Below U+D800, code-unit order is code-point order, which is UTF-8 byte order (no allocation:
  // a listing sorts thousands of names).
  if (!HIGH_UNITS.test(a) && !HIGH_UNITS.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
