// "Did you mean …?" for an unknown command or option, as upstream's clap suggests one: the
// known name nearest to what was typed (edit distance, or what it is a prefix of), if any is near.

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] ?? 0;
}

/**
 * The candidate nearest to `typed`: one it starts (at least 3 characters typed), else one at
 * most a third of its length away (at least 1, at most 3 edits); ties go to the first listed.
 */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  if (typed.length === 0) return undefined;
  const prefixed = typed.replace(/^-+/, '').length >= 3 ? candidates.find((c) => c.startsWith(typed)) : undefined;
  if (prefixed !== undefined) return prefixed;
  const limit = Math.min(3, Math.max(1, Math.floor(typed.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const distance = editDistance(typed, c);
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` Did you mean 'X'?` or nothing. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const hit = nearest(typed, candidates);
  return hit === undefined ? '' : ` Did you mean '${hit}'?`;
}
