// Shared helpers of the black-box CLI tests (test/cli/*.test.ts): a throwaway simulated host,
// the checks of a run's result (ok, fails, unchanged), a snapshot of the root tree, the
// definition JSON mdevctl writes, and an async runner for concurrent invocations.

import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { launchBin, mdevctl, type RunResult } from './cli.js';
import { simHost, type SimHost } from './sim-host.js';
import type { SimulatedHostOptions } from '@mdevctl/plugin-sim';

/** Runs `fn` on a fresh simulated host (every parent unless `options.parents`), removed afterwards. */
export function withHost(fn: (h: SimHost) => void, options?: SimulatedHostOptions): void {
  const h = simHost(options);
  try {
    fn(h);
  } finally {
    h.cleanup();
  }
}

/** A success: exit 0, exactly `stdout` (nothing by default), nothing on stderr. */
export function ok(r: RunResult, stdout = ''): void {
  assert.deepEqual(r, { status: 0, stdout, stderr: '' });
}

/** Runs mdevctl on the host and checks it succeeds silently. */
export function run(h: SimHost, ...args: string[]): void {
  ok(mdevctl(h.root, ...args));
}

/** A refusal: the exit status, nothing on stdout, exactly one `Error:`/`error:` line. */
export function fails(r: RunResult, status: 1 | 2, stderr?: string | RegExp): void {
  assert.deepEqual({ status: r.status, stdout: r.stdout }, { status, stdout: '' }, `stderr: ${r.stderr}`);
  assert.match(r.stderr, status === 1 ? /^Error: [^\n]+\n$/ : /^error: [^\n]+\n$/);
  if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
  else if (stderr) assert.match(r.stderr, stderr);
}

/** Every entry under `dir`: file mode and content, link target, or "dir". */
export function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const p = join(dir, r);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
    else if (st.isDirectory()) {
      out[r] = 'dir';
      Object.assign(out, tree(dir, r));
    } else out[r] = `${st.mode.toString(8)} ${readFileSync(p, 'utf8')}`;
  }
  return out;
}

/** Runs `fn` and checks that nothing at all under the root changed (definitions, sysfs, anything). */
export function unchanged(h: SimHost, fn: () => void): void {
  const before = tree(h.root);
  fn();
  assert.deepEqual(tree(h.root), before, 'the root tree changed');
}

/** One definition as mdevctl's JSON holds it: type, start policy, attributes in order. */
export interface DefinitionConfig {
  mdev_type: string;
  start: 'auto' | 'manual';
  attrs: Array<Record<string, string>>;
}

/** The definition object of `type`/`start`/`attrs` (as in --dumpjson). */
export function configObject(type: string, start: 'auto' | 'manual', attrs: Array<[string, string]> = []): DefinitionConfig {
  return { mdev_type: type, start, attrs: attrs.map(([k, v]) => ({ [k]: v })) };
}

/** The definition file's exact text (2-space JSON, no trailing newline). */
export function config(type: string, start: 'auto' | 'manual', attrs: Array<[string, string]> = []): string {
  return JSON.stringify(configObject(type, start, attrs), null, 2);
}

/** `value` as mdevctl prints JSON: 2-space indent and a final newline. */
export function pretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Runs mdevctl without waiting (for concurrent invocations). Concurrent commands wait for each
 * other's lock; on a loaded machine a wait can pass a second, and its one notice line
 * (reliability-lock.test.ts checks it) is dropped here.
 */
export async function runAsync(root: string, args: string[]): Promise<RunResult> {
  return withoutWaitNotice(await launchBin(root, args).result);
}

/** The result without the lock-wait notice line (`… WARN  mdevctl] Waiting for …mdevctl.lock, held by …`). */
export function withoutWaitNotice(r: RunResult): RunResult {
  const notice = /^\[[^\]]+ WARN {2}mdevctl\] Waiting for \S+\/mdevctl\.lock, held by [^\n]*\n/gm;
  return { ...r, stderr: r.stderr.replace(notice, '') };
}

/** The timestamped prefix of a warning line on stderr (`[<time> WARN  mdevctl] `). */
export const WARN = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN {2}mdevctl\] /;
