// Guest side: how checks are recorded and sent home, how both mdevctls are run, and the host
// state (sysfs, definitions) the checks look at. Runs inside the qemu guest as root, on the real
// /sys and /etc; results go to the host as JSON lines on the second serial port (/dev/ttyS1).

import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { AssertionError } from 'node:assert';
import { Writable } from 'node:stream';
import { main } from 'mdevctl/cli';
import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { inspect } from 'node:util';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** One line sent home. */
export type GuestLine =
  | { kind: 'check'; section: string; name: string; ok: boolean; detail?: string; ms: number }
  | { kind: 'probe'; data: unknown }
  | { kind: 'timing'; name: string; seconds: number }
  | { kind: 'note'; text: string }
  | { kind: 'done'; checks: number; failed: number };

const OUT_PATH = process.env['MDEVVM_OUT'] ?? '/dev/ttyS1';
let outFd: number | undefined;

export function send(line: GuestLine): void {
  outFd ??= openSync(OUT_PATH, 'a');
  writeSync(outFd, `${JSON.stringify(line)}\n`);
}

let total = 0;
let failed = 0;
let section = '';

export function setSection(name: string): void {
  section = name;
  console.log(`\n=== ${name}`);
}

let timed: { name: string; t0: number } | undefined;
/** Starts a section of checks, and reports how long the previous one took. */
export function beginSection(name: string): void {
  endSection();
  setSection(name);
  timed = { name, t0: Date.now() };
}
/** Reports how long the current section took; none is current afterwards. */
export function endSection(): void {
  if (timed) send({ kind: 'timing', name: timed.name, seconds: (Date.now() - timed.t0) / 1000 });
  timed = undefined;
}

function describeFailure(e: unknown): string {
  if (e instanceof AssertionError) return e.message;
  if (e instanceof Error) return e.stack ?? e.message;
  return inspect(e);
}

/** Runs one check and sends its result; never throws. */
export async function check(name: string, fn: () => void | Promise<void>): Promise<boolean> {
  const t0 = Date.now();
  let ok = true;
  let detail: string | undefined;
  try {
    await fn();
  } catch (e) {
    ok = false;
    detail = describeFailure(e);
  }
  total++;
  if (!ok) failed++;
  const line: GuestLine = { kind: 'check', section, name, ok, ms: Date.now() - t0 };
  if (detail !== undefined) line.detail = detail;
  send(line);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `\n${(detail ?? '').split('\n').map((l) => `     ${l}`).join('\n')}`}`);
  return ok;
}

export function finish(): number {
  send({ kind: 'done', checks: total, failed });
  console.log(`\n${total - failed} passed, ${failed} failed (guest checks)`);
  return failed === 0 ? 0 : 1;
}

// --- the two programs ----------------------------------------------------------------------------

export const REPO = '/opt/mdevctl';
export const OURS = join(REPO, 'core/bin/mdevctl.js');
export const OURS_LSMDEV = join(REPO, 'core/bin/lsmdev.js');
export const THEIRS = '/usr/bin/mdevctl';
export const THEIRS_LSMDEV = '/usr/bin/lsmdev';
export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunOptions {
  input?: string;
  lsmdev?: boolean;
  env?: Record<string, string>;
}

function spawn(cmd: string, args: string[], opts: RunOptions): RunResult {
  const r = spawnSync(cmd, args, {
    env: { PATH, HOME: '/root', ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { status: r.status ?? (r.signal ? 128 : -1), stdout: r.stdout, stderr: r.stderr };
}

/**
 * Our CLI in a child process, exactly as installed: node core/bin/mdevctl.js (MDEVCTL_ENV_ROOT
 * unset: the real `/`). A node start costs seconds under TCG, so most checks use oursInProcess.
 */
export function oursSpawned(args: string[], opts: RunOptions = {}): RunResult {
  return spawn(process.execPath, [opts.lsmdev ? OURS_LSMDEV : OURS, ...args], opts);
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/**
 * Our CLI in this process: core's main() — what core/bin/mdevctl.js and lsmdev.js run — with a
 * fresh application per call, its output captured. `plugins` adds plugins (the race tests).
 */
export async function oursInProcess(args: string[], opts: RunOptions & { plugins?: MdevctlPlugin[] } = {}): Promise<RunResult> {
  const stdout = new Collect();
  const stderr = new Collect();
  const status = await main(args, { stdout, stderr, env: { PATH, HOME: '/root', ...opts.env } }, {
    program: opts.lsmdev ? 'lsmdev' : 'mdevctl',
    plugins: opts.plugins ?? [],
  });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** Debian's mdevctl 1.2.0. */
export function theirs(args: string[], opts: RunOptions = {}): RunResult {
  return spawn(opts.lsmdev ? THEIRS_LSMDEV : THEIRS, args, opts);
}

/** A shell command (busybox); throws when it fails. */
export function sh(cmd: string): string {
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', env: { PATH, HOME: '/root' }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`\`${cmd}\` exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function show(r: RunResult): string {
  return `exit ${r.status}\n  stdout: ${JSON.stringify(r.stdout)}\n  stderr: ${JSON.stringify(r.stderr)}`;
}

// --- the host's state ----------------------------------------------------------------------------

export const SYS = '/sys';
export const DEFS = '/etc/mdevctl.d';
export const PARENTS = ['mbochs', 'mdpy', 'mtty'] as const;
export const MODULES: Record<string, string> = { mbochs: 'mbochs', mdpy: 'mdpy', mtty: 'mtty' };

export function typeDir(parent: string, type: string): string {
  return join(SYS, 'class/mdev_bus', parent, 'mdev_supported_types', type);
}

export function names(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** `uuid parent type` of every device in sysfs, sorted. */
export function activeDevices(): string[] {
  return names(join(SYS, 'bus/mdev/devices')).map((u) => {
    const dev = join(SYS, 'bus/mdev/devices', u);
    const parent = basename(join(readlinkSync(dev), '..'));
    const type = basename(readlinkSync(join(dev, 'mdev_type')));
    return `${u} ${parent} ${type}`;
  });
}

export function available(parent: string, type: string): number {
  return Number(readFileSync(join(typeDir(parent, type), 'available_instances'), 'utf8'));
}

/** available_instances of every type, `parent/type` → n. */
export function pools(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of PARENTS) {
    for (const t of names(join(SYS, 'class/mdev_bus', p, 'mdev_supported_types'))) out[`${p}/${t}`] = available(p, t);
  }
  return out;
}

export const FRESH_POOLS: Record<string, number> = {
  'mbochs/mbochs-large': 4,
  'mbochs/mbochs-medium': 16,
  'mbochs/mbochs-small': 64,
  'mdpy/mdpy-hd': 4,
  'mdpy/mdpy-vga': 4,
  'mdpy/mdpy-xga': 4,
  'mtty/mtty-1': 24,
  'mtty/mtty-2': 12,
};

/** Every entry under /etc/mdevctl.d by relative path: dirs as 'dir', files as their content. */
export function definitions(dir = DEFS, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const name of names(dir)) {
    const p = join(dir, name);
    const rel = prefix + name;
    if (lstatSync(p).isDirectory()) {
      out[`${rel}/`] = 'dir';
      definitions(p, `${rel}/`, out);
    } else {
      out[rel] = readFileSync(p, 'utf8');
    }
  }
  return out;
}

export function definitionFile(parent: string, uuid: string): string | undefined {
  const p = join(DEFS, parent, uuid);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

/** `echo -n uuid > create` (O_WRONLY, as the kernel wants it). */
export function createRaw(parent: string, type: string, uuid: string): string {
  try {
    const fd = openSync(join(typeDir(parent, type), 'create'), constants.O_WRONLY);
    try {
      writeSync(fd, uuid);
    } finally {
      closeSync(fd);
    }
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

export function removeRaw(uuid: string): string {
  try {
    const fd = openSync(join(SYS, 'bus/mdev/devices', uuid, 'remove'), constants.O_WRONLY);
    try {
      writeSync(fd, '1');
    } finally {
      closeSync(fd);
    }
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

let fillCounter = 0;
/** Creates devices of a type with fresh uuids until the kernel refuses; returns the refusal's code. */
export function fillPool(parent: string, type: string): string {
  for (let i = 0; i < 300; i++) {
    const r = createRaw(parent, type, `f111f111-0000-4000-8000-${(fillCounter++).toString(16).padStart(12, '0')}`);
    if (r !== 'ok') return r;
  }
  return 'never refused';
}

/** Back to a fresh host: no devices, no definitions, all three parents registered. */
export function resetHost(): void {
  fillCounter = 0;
  for (const u of names(join(SYS, 'bus/mdev/devices'))) removeRaw(u);
  for (const p of PARENTS) {
    if (!existsSync(join(SYS, 'class/mdev_bus', p))) sh(`modprobe ${MODULES[p] ?? p}`);
  }
  for (const name of names(DEFS)) {
    if (name !== 'scripts.d') rmSync(join(DEFS, name), { recursive: true, force: true });
  }
  for (const d of [
    'etc/mdevctl.d/scripts.d/callouts',
    'etc/mdevctl.d/scripts.d/notifiers',
    'usr/lib/mdevctl/scripts.d/callouts',
    'usr/lib/mdevctl/scripts.d/notifiers',
  ]) {
    mkdirSync(join('/', d), { recursive: true });
  }
  const left = activeDevices();
  if (left.length > 0) throw new Error(`reset: devices left: ${left.join(', ')}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
export const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
export const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
export const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
export const U5 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f05';
export const U9 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f09';
export const UUID_LINE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$/;
