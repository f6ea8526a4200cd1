// `mdevctl monitor` as a child process, read line by line: a test waits for the line it expects
// (with a bound), never for a time. The child's PATH is a dir the test chooses (by default an
// empty one: no udevadm), so nothing is added to anyone else's PATH.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MDEVCTL_BIN } from './cli.js';

/** How long a test waits for one expected line before it fails. */
export const WAIT_MS = 15_000;

export interface MonitorOptions {
  /** The child's PATH (default: an empty dir, so that no udevadm is found). */
  path?: string;
  env?: Record<string, string>;
}

export class MonitorChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Complete stdout lines so far. */
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
  private partial = '';
  private readonly waiters = new Set<() => void>();
  private readonly emptyPath: string | undefined;

  constructor(root: string, args: string[], opts: MonitorOptions = {}) {
    this.emptyPath = opts.path === undefined ? mkdtempSync(join(tmpdir(), 'mdevctl-nopath-')) : undefined;
    this.child = spawn(process.execPath, [MDEVCTL_BIN, 'monitor', ...args], {
      env: { PATH: opts.path ?? this.emptyPath ?? '', MDEVCTL_ENV_ROOT: root, MDEVCTL_LOG: 'debug', ...opts.env },
    });
    this.child.stdin.end();
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.wake();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (status, signal) => {
        if (this.emptyPath) rmSync(this.emptyPath, { recursive: true, force: true });
        this.wake();
        resolve({ status, signal });
      });
    });
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves when `holds()` is true (checked at each output); fails after WAIT_MS or at exit. */
  async until(what: string, holds: () => boolean, ms = WAIT_MS): Promise<void> {
    if (holds()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)), ms);
      const check = () => {
        if (holds()) done();
        else if (this.child.exitCode !== null || this.child.signalCode !== null) done(new Error(`monitor exited waiting for ${what}; stderr:\n${this.stderr}`));
      };
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Waits until the monitor has done its first scan with every source in place (its debug line). */
  ready(): Promise<void> {
    return this.until('the monitor to be ready', () => this.stderr.includes('monitor: watching '));
  }

  /** Waits until stdout has `n` lines; returns them without their time. */
  async events(n: number): Promise<string[]> {
    await this.until(`${n} event lines`, () => this.lines.length >= n);
    return this.lines.slice(0, n).map(withoutTime);
  }

  /** Ends it (SIGTERM) and waits for its exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

/** A text event line without its leading time (which must be there). */
export function withoutTime(line: string): string {
  if (!TIME.test(line)) throw new Error(`no time at the start of ${JSON.stringify(line)}`);
  return line.replace(TIME, '');
}
