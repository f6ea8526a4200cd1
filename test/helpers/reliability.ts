// Shared helpers of the reliability tests (test/*/reliability-*.test.ts): a run in this process
// that must succeed, the state of a host as the user sees it, the leftovers a crash or a race
// could leave, and runs in a private mount namespace (bind mounts, small tmpfs).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Host, HostPaths, StderrLogger } from 'mdevctl';
import { inProcess } from './packaging.js';
import { tree } from './expect.js';
import { MDEVCTL_BIN } from './cli.js';

/** Like inProcess, and the run must succeed; resolves to its stdout. */
export async function okInProcess(root: string, ...args: string[]): Promise<string> {
  const r = await inProcess(root, args);
  assert.equal(r.status, 0, `mdevctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** What a user can observe of a host: the definition files (not dirs), and the whole sysfs tree. */
export type HostState = Record<string, string>;

export function hostState(root: string): HostState {
  const out: HostState = {};
  for (const [k, v] of Object.entries(tree(join(root, 'etc/mdevctl.d')))) if (v !== 'dir') out[`etc/mdevctl.d/${k}`] = v;
  for (const [k, v] of Object.entries(tree(join(root, 'sys')))) out[`sys/${k}`] = v;
  return out;
}

/** Only the entries that differ (a readable failure for trees of hundreds of entries). */
export function stateDiff(actual: HostState, expected: HostState): Record<string, [string | undefined, string | undefined]> {
  const diff: Record<string, [string | undefined, string | undefined]> = {};
  for (const k of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    if (actual[k] !== expected[k]) diff[k] = [actual[k], expected[k]];
  }
  return diff;
}

/**
 * Files a writer leaves while it works: temp (dot) files next to the definitions, and anything in
 * run/mdevctl (mdevctl's lock, its temp files and the intent record). None may stay once a command has finished.
 */
export function leftovers(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (rel === 'run/mdevctl' || e.name.startsWith('.') || e.name.endsWith('.tmp')) found.push(r);
      if (e.isDirectory()) walk(join(dir, e.name), r);
    }
  };
  walk(join(root, 'etc/mdevctl.d'), 'etc/mdevctl.d');
  walk(join(root, 'run/mdevctl'), 'run/mdevctl');
  // run/lock holds other tools' locks (vfio-ap's s390apconfig.lock): only mdevctl's old names there count.
  if (existsSync(join(root, 'run/lock'))) for (const n of readdirSync(join(root, 'run/lock'))) if (n.startsWith('mdevctl.')) found.push(`run/lock/${n}`);
  // A definition's temp file is staged in etc/, outside the tree libvirt watches.
  if (existsSync(join(root, 'etc'))) for (const n of readdirSync(join(root, 'etc'))) if (n.startsWith('.mdevctl.d.')) found.push(`etc/${n}`);
  return found;
}

/** Every definition under the root parses (the store reports no problem). */
export function assertDefinitionsParse(root: string): void {
  const scan = new Host(new HostPaths(root), new StderrLogger('error', () => undefined)).store.scan();
  assert.deepEqual(scan.problems, [], 'every definition parses');
}

/** Whether a test may mount: root, and `unshare -m` works (a private mount namespace). */
export const canMount = process.geteuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

/**
 * Runs `script` (sh) in a private mount namespace — its mounts exist only for that shell and
 * leave nothing on the machine — with R and MDEVCTL_ENV_ROOT (`root`), NODE and BIN (to run
 * mdevctl) and `env` set; bounded by a hard timeout.
 */
export function inMountNamespace(root: string, script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', R: root, MDEVCTL_ENV_ROOT: root, BIN: MDEVCTL_BIN, NODE: process.execPath, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
