// fast-check settings shared by the fuzz tests: a fixed seed (MDEVCTL_FUZZ_SEED overrides it;
// every test name shows the one used) and case counts with CI-safe defaults that
// MDEVCTL_FUZZ_SCALE multiplies (e.g. MDEVCTL_FUZZ_SCALE=20 for a long local run).

import type { Parameters } from 'fast-check';

export const FUZZ_SEED = numberFromEnv('MDEVCTL_FUZZ_SEED', 0x6d6465);
const SCALE = numberFromEnv('MDEVCTL_FUZZ_SCALE', 1);

function numberFromEnv(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? '');
  return process.env[name] !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** The case count for a default of `runs`, scaled. */
export function fuzzRuns(runs: number): number {
  return Math.max(1, Math.round(runs * SCALE));
}

/** fast-check parameters: the seed and the scaled case count. */
export function fuzzParams<T>(runs: number): Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(runs), endOnFailure: true };
}
