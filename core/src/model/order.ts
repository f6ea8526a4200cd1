// Sorting as upstream does (Rust BTreeMap / String ordering): by UTF-8 bytes.

export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: for ASCII strings code-unit order equals byte order.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
