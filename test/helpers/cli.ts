// Runs our mdevctl/lsmdev as a child process against a temp root, the way users and libvirt do.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const MDEVCTL_BIN = join(REPO, 'core/bin/mdevctl.js');
export const LSMDEV_BIN = join(REPO, 'core/bin/lsmdev.js');
export const SIM_BIN = join(REPO, 'core/bin/mdevctl-sim.js');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  /** Run this bin instead of mdevctl (e.g. LSMDEV_BIN). */
  bin?: string;
}

export function runBin(root: string, args: string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(process.execPath, [opts.bin ?? MDEVCTL_BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root, ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
  });
  // A program that exits without reading its stdin closes the pipe: not a failure of the run.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts mdevctl without waiting (concurrent runs); `result` resolves when it has exited. */
export function launchBin(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams & { result: Promise<RunResult> } {
  const child = spawn(process.execPath, [MDEVCTL_BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root, ...env },
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
  return Object.assign(child, { result });
}

/** Runs mdevctl with MDEVCTL_ENV_ROOT=root. */
export function mdevctl(root: string, ...args: string[]): RunResult {
  return runBin(root, args);
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'mdevctl-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
