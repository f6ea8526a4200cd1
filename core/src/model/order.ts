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

/**
 * Sorts items by the UTF-8 bytes of their key, in place: one look at all the keys, then plain
 * code-unit comparisons when none can order differently (a dir of 10k uuid names), else
 * compareBytes for each comparison.
 */
export function sortByBytes<T>(items: T[], key: (item: T) => string): T[] {
  const plain = items.every((item) => !HIGH_UNITS.test(key(item)));
  return plain
    ? items.sort((a, b) => {
        const x = key(a);
        const y = key(b);
        return x === y ? 0 : x < y ? -1 : 1;
      })
    : items.sort((a, b) => compareBytes(key(a), key(b)));
}
