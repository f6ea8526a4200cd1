// A differential pair: two identical fresh simulated hosts, one driven by our CLI (MDEVCTL_ENV_ROOT),
// one by Debian's mdevctl 1.2.0 under chroot. Each step runs on both and compares stdout (after the
// end-of-output normalisation of docs/COMPATIBILITY.md), exit status, stderr emptiness and every entry
// under etc/mdevctl.d. MDEVCTL_DIFF_REFERENCE_ONLY=1 runs the 1.2.0 side only (checks the scenarios);
// MDEVCTL_DIFF_TRACE=1 prints every 1.2.0 result.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { mkdirSync, readdirSync, readFileSync, lstatSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { createSimulatedHost, SimulatedKernel } from '@mdevctl/plugin-sim';
import { LSMDEV_BIN, MDEVCTL_BIN, tempDir, type RunResult } from '../helpers/cli.js';
import {
  debianMdevctl,
  prepareDebianRoot,
  runDebianAsync,
  spawnCollect,
  type DebianMdevctl,
} from '../helpers/debian-mdevctl.js';

/** Dirs both programs need: 1.2.0 the etc ones, ours the usr/lib ones. */
const TREE_DIRS = [
  'etc/mdevctl.d/scripts.d/callouts',
  'etc/mdevctl.d/scripts.d/notifiers',
  'usr/lib/mdevctl/scripts.d/callouts',
  'usr/lib/mdevctl/scripts.d/notifiers',
];

/** Replaced by the tree's path for our CLI and by '' for 1.2.0 (whose root is the tree). */
export const ROOT = '@ROOT@';

export const referenceOnly = process.env['MDEVCTL_DIFF_REFERENCE_ONLY'] === '1';
const trace = process.env['MDEVCTL_DIFF_TRACE'] === '1';

export interface StepOptions {
  /** stdin for both programs. */
  input?: string;
  /** Run as lsmdev (args are list's options). */
  lsmdev?: boolean;
  /** The exit status 1.2.0 must give (a check on the scenario itself). Default 0. */
  expect?: number;
}

interface View {
  status: number;
  stdout: string[];
  stderrEmpty: boolean;
  files: Record<string, string[] | 'dir'>;
}

export class Pair {
  private constructor(
    readonly ours: string,
    readonly theirs: string,
    private readonly deb: DebianMdevctl,
    readonly cleanup: () => void,
  ) {}

  /** A fresh pair, or a reason to skip. */
  static create(parents?: string[]): Pair | string {
    const a = debianMdevctl();
    if (!a.ok) return `Debian mdevctl unavailable: ${a.reason}`;
    const { dir, cleanup } = tempDir('mdevctl-diff-');
    const ours = join(dir, 'ours');
    const theirs = join(dir, 'theirs');
    for (const root of [ours, theirs]) {
      mkdirSync(root);
      createSimulatedHost(root, parents ? { parents } : {});
      for (const d of TREE_DIRS) mkdirSync(join(root, d), { recursive: true });
    }
    prepareDebianRoot(theirs, a.mdevctl);
    return new Pair(ours, theirs, a.mdevctl, cleanup);
  }

  /** Writes the same file (path relative to the root) into both trees. */
  write(path: string, content: string): void {
    for (const root of [this.ours, this.theirs]) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  }

  /** Runs 1.2.0 in its tree, then lets the simulated kernel apply its create/remove writes. */
  async reference(args: string[], opts: StepOptions = {}): Promise<RunResult> {
    const r = await runDebianAsync(this.theirs, this.deb, args.map((a) => a.replaceAll(ROOT, '')), {
      input: opts.input ?? '',
      lsmdev: opts.lsmdev ?? false,
    });
    // In a real kernel a refused write fails in 1.2.0 itself; here it only shows up now.
    const refused = SimulatedKernel.open(this.theirs)
      .sync()
      .filter((w) => w.error !== undefined);
    if (refused.length > 0) {
      const what = refused.map((w) => `${w.path} <- ${JSON.stringify(w.data)}: ${w.error?.code ?? '?'}`).join('; ');
      assert.fail(`scenario check: the kernel would have refused 1.2.0's write (${what})`);
    }
    return r;
  }

  /** Runs our CLI in its tree: runBin (test/helpers/cli.ts) without blocking. */
  mine(args: string[], opts: StepOptions = {}): Promise<RunResult> {
    return spawnCollect(
      process.execPath,
      [opts.lsmdev ? LSMDEV_BIN : MDEVCTL_BIN, ...args.map((a) => a.replaceAll(ROOT, this.ours))],
      { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: this.ours },
      opts.input ?? '',
    );
  }

  /** One step on both trees; throws with a readable diff when they differ. Returns 1.2.0's result. */
  async step(args: string[], opts: StepOptions = {}): Promise<RunResult> {
    const label = `${opts.lsmdev ? 'lsmdev' : 'mdevctl'} ${args.join(' ')}`;
    const theirs = await this.reference(args, opts);
    if (trace) process.stderr.write(`--- 1.2.0: ${label} -> ${theirs.status}\n${theirs.stdout}${theirs.stderr}`);
    const expect = opts.expect ?? 0;
    if (theirs.status !== expect) {
      assert.fail(`scenario check: 1.2.0 \`${label}\` exited ${theirs.status}, expected ${expect}\n${theirs.stderr}`);
    }
    if (referenceOnly) return theirs;
    const ours = await this.mine(args, opts);
    const want = view(this.theirs, normaliseReference(args, opts, theirs));
    const got = view(this.ours, ours);
    try {
      assert.deepStrictEqual(got, want);
    } catch {
      throw new assert.AssertionError({
        message:
          `\`${label}\` differs (+ ours, - 1.2.0)\n` +
          `  ours stderr:  ${JSON.stringify(ours.stderr)}\n  1.2.0 stderr: ${JSON.stringify(theirs.stderr)}`,
        actual: got,
        expected: want,
        operator: 'deepStrictEqual',
      });
    }
    return theirs;
  }

  /** Several steps, in order. */
  async steps(...list: Array<[string[], StepOptions?]>): Promise<void> {
    for (const [args, opts] of list) await this.step(args, opts);
  }
}

/** docs/COMPATIBILITY.md: 1.2.0's text list/types output ends with one more `\n` than ours (1.4's). */
export function normaliseReference(args: string[], opts: StepOptions, r: RunResult): RunResult {
  const listing = opts.lsmdev || args[0] === 'list' || args[0] === 'types';
  if (!listing || args.includes('--dumpjson') || r.status !== 0) return r;
  if (r.stdout === '\n') return { ...r, stdout: '' };
  if (r.stdout.endsWith('\n\n')) return { ...r, stdout: r.stdout.slice(0, -1) };
  return r;
}

function view(root: string, r: RunResult): View {
  return {
    status: r.status,
    stdout: r.stdout.split('\n'),
    stderrEmpty: r.stderr === '',
    files: snapshot(join(root, 'etc/mdevctl.d')),
  };
}

/** Every entry under dir, by relative path: directories as 'dir', files as their lines. */
function snapshot(dir: string, prefix = '', out: Record<string, string[] | 'dir'> = {}): Record<string, string[] | 'dir'> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = prefix + name;
    if (lstatSync(p).isDirectory()) {
      out[`${rel}/`] = 'dir';
      snapshot(p, `${rel}/`, out);
    } else {
      out[rel] = readFileSync(p, 'utf8').split('\n');
    }
  }
  return out;
}

/** How many scenarios of a file run at once (each spawns one program at a time). */
export const CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

/** A node:test test that runs fn on a fresh pair (skipped, with the reason, when one can't be made). */
export function scenario(
  name: string,
  fn: (p: Pair, t: TestContext) => Promise<void>,
  subtestConcurrency = 1,
): void {
  test(name, { concurrency: subtestConcurrency }, async (t) => {
    const p = Pair.create();
    if (typeof p === 'string') {
      t.skip(p);
      return;
    }
    try {
      await fn(p, t);
    } finally {
      p.cleanup();
    }
  });
}

/**
 * Several scenarios sharing one pair: setup runs once, then each case is its own subtest, in order,
 * or all at once with `parallel` (only for cases that change nothing, when both programs are right).
 */
export function group(
  name: string,
  setup: (p: Pair) => Promise<void>,
  cases: Record<string, (p: Pair) => Promise<void>>,
  opts: { parallel?: boolean } = {},
): void {
  scenario(name, async (p, t) => {
    await setup(p);
    const entries = Object.entries(cases);
    if (opts.parallel) {
      await Promise.all(entries.map(([caseName, fn]) => t.test(caseName, () => fn(p))));
    } else {
      for (const [caseName, fn] of entries) await t.test(caseName, () => fn(p));
    }
  }, opts.parallel ? CONCURRENCY : 1);
}

/** A scenario left out because the versions deliberately differ there (each listed in docs/COMPATIBILITY.md). */
export function deliberateDifference(name: string, reason: string): void {
  test(name, (t) => {
    t.skip(`deliberate difference (docs/COMPATIBILITY.md): ${reason}`);
  });
}

/** Test uuids, sorted: U1 < U2 < … */
export const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
export const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
export const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
export const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
export const U5 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f05';
/** Never defined nor started. */
export const U9 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f09';
