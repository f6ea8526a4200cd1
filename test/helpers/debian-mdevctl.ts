// Debian's real mdevctl 1.2.0 as a live reference: finds (or apt-installs) the binary, builds a
// chroot-able root tree around a test root (binary, the libraries ldd lists, busybox as /bin/sh,
// the script dirs 1.2.0 insists on) and runs it there. 1.2.0 ignores MDEVCTL_ENV_ROOT, so the
// chroot is its root. When anything needed is missing, debianMdevctl() says "unavailable: …".

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { RunResult } from './cli.js';

export interface DebianMdevctl {
  /** The binary's absolute path, both on the host and inside the chroot (where Debian puts it). */
  binary: string;
  /** Where Debian puts lsmdev (a symlink to mdevctl; 1.2.0 picks the command from argv[0]). */
  lsmdev: string;
  /** Host path of the static busybox. */
  busybox: string;
  /** Absolute host paths of the shared libraries and loader the binary needs (from ldd). */
  libs: string[];
  /** First line of `mdevctl --version`, e.g. "mdevctl 1.2.0". */
  version: string;
}

export type Availability = { ok: true; mdevctl: DebianMdevctl } | { ok: false; reason: string };

/** The script dirs 1.2.0 requires (it exits 1 naming the first missing one). */
export const DEBIAN_REQUIRED_DIRS = [
  'etc/mdevctl.d',
  'etc/mdevctl.d/scripts.d/callouts',
  'etc/mdevctl.d/scripts.d/notifiers',
];

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs a host tool (dpkg, apt, ldd); a tool that can't be spawned gives status -1. */
function run(cmd: string, args: string[]): RunResult {
  const r = spawnSync(cmd, args, { env: APT_ENV, input: '', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { status: -1, stdout: '', stderr: `${cmd}: ${r.error.message}` };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Files a package installed, or undefined when dpkg does not know it (or there is no dpkg). */
function dpkgFiles(pkg: string): string[] | undefined {
  const r = run('dpkg-query', ['-L', pkg]);
  if (r.status !== 0) return undefined;
  return r.stdout.split('\n').filter((l) => l.startsWith('/'));
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ');
}

/** apt-get install, with one `apt-get update` retry when the lists lack the packages. */
function aptInstall(pkgs: string[]): string | undefined {
  const args = ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '--no-install-recommends', ...pkgs];
  let r = run('apt-get', args);
  if (r.status === 0) return undefined;
  if (r.status === -1) return r.stderr;
  const noLists = /Unable to locate package|has no installation candidate|Package .* is not available/;
  if (!noLists.test(r.stdout + r.stderr)) return `apt-get install failed: ${lastLines(r.stderr || r.stdout)}`;
  const u = run('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'update']);
  if (u.status !== 0) return `apt-get update failed: ${lastLines(u.stderr || u.stdout)}`;
  r = run('apt-get', args);
  return r.status === 0 ? undefined : `apt-get install failed: ${lastLines(r.stderr || r.stdout)}`;
}

function locate(): { binary?: string; lsmdev?: string; busybox?: string } {
  const m = dpkgFiles('mdevctl') ?? [];
  const b = dpkgFiles('busybox-static') ?? [];
  return {
    binary: m.find((f) => /\/s?bin\/mdevctl$/.test(f) && isFile(f)),
    lsmdev: m.find((f) => /\/s?bin\/lsmdev$/.test(f)),
    busybox: b.find((f) => /\/bin\/busybox$/.test(f) && isFile(f)),
  };
}

/** Absolute paths ldd names for a binary (libraries and the dynamic loader; no vdso). */
function lddPaths(binary: string): string[] | string {
  const r = run('ldd', [binary]);
  if (r.status !== 0) return `ldd ${binary} failed: ${lastLines(r.stderr || r.stdout)}`;
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out.length > 0 ? out : `ldd ${binary} listed no libraries`;
}

function discover(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: 'not Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'chroot needs root' };
  let found = locate();
  if (!found.binary || !found.busybox) {
    const err = aptInstall(['mdevctl', 'busybox-static']);
    if (err) return { ok: false, reason: err };
    found = locate();
  }
  const { binary, busybox } = found;
  if (!binary) return { ok: false, reason: 'package mdevctl installed no mdevctl binary' };
  if (!busybox) return { ok: false, reason: 'package busybox-static installed no /bin/busybox' };
  const libs = lddPaths(binary);
  if (typeof libs === 'string') return { ok: false, reason: libs };
  const lsmdev = found.lsmdev ?? join(dirname(binary), 'lsmdev');
  const mdevctl: DebianMdevctl = { binary, lsmdev, busybox, libs, version: '' };
  // Check it really runs in a chroot, and which version it is.
  const probe = mkdtempSync(join(tmpdir(), 'debian-mdevctl-probe-'));
  try {
    prepareDebianRoot(probe, mdevctl);
    const v = runDebian(probe, mdevctl, ['--version']);
    if (v.status !== 0) return { ok: false, reason: `chroot ${binary} --version: ${lastLines(v.stderr || v.stdout)}` };
    mdevctl.version = v.stdout.split('\n')[0] ?? '';
  } catch (e) {
    return { ok: false, reason: `cannot run ${binary} in a chroot: ${(e as Error).message}` };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  if (!/^mdevctl 1\.2\.\d+$/.test(mdevctl.version)) {
    return { ok: false, reason: `found "${mdevctl.version}", the differential test targets mdevctl 1.2.x` };
  }
  return { ok: true, mdevctl };
}

let cached: Availability | undefined;

/** Finds Debian's mdevctl 1.2.x, installing it with apt when missing (once per process). */
export function debianMdevctl(): Availability {
  cached ??= discover();
  return cached;
}

function copyInto(root: string, hostPath: string): void {
  const dest = join(root, hostPath);
  if (existsSync(dest)) return;
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(hostPath, dest); // follows symlinks (e.g. /lib64/ld-linux-x86-64.so.2)
}

/**
 * Makes `root` runnable as `chroot root <binary>`: the binary at Debian's path with lsmdev beside
 * it, its libraries and loader at their host paths, busybox at bin/sh, and the dirs 1.2.0 requires.
 * Leaves everything else (sys, etc/mdevctl.d contents) alone.
 */
export function prepareDebianRoot(root: string, m: DebianMdevctl): void {
  copyInto(root, m.binary);
  const lsmdev = join(root, m.lsmdev);
  if (!existsSync(lsmdev)) symlinkSync(relative(dirname(m.lsmdev), m.binary), lsmdev);
  for (const lib of m.libs) copyInto(root, lib);
  mkdirSync(join(root, 'bin'), { recursive: true });
  if (!existsSync(join(root, 'bin/sh'))) copyFileSync(m.busybox, join(root, 'bin/sh'));
  for (const d of DEBIAN_REQUIRED_DIRS) mkdirSync(join(root, d), { recursive: true });
}

export interface DebianRunOptions {
  input?: string;
  /** Run it as lsmdev (1.2.0 picks the command from argv[0]). */
  lsmdev?: boolean;
}

/** Runs `chroot root <mdevctl|lsmdev> args…` with a clean environment. */
export function runDebian(root: string, m: DebianMdevctl, args: string[], opts: DebianRunOptions = {}): RunResult {
  const r = spawnSync('chroot', [root, opts.lsmdev ? m.lsmdev : m.binary, ...args], {
    env: { PATH: PATH_ENV },
    input: opts.input ?? '',
    encoding: 'utf8',
  });
  // EPIPE: it exited without reading its input, which is fine.
  if (r.error && !((r.error as NodeJS.ErrnoException).code === 'EPIPE' && r.status !== null)) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The same as runDebian, without blocking (so several scenarios can run at once). */
export function runDebianAsync(
  root: string,
  m: DebianMdevctl,
  args: string[],
  opts: DebianRunOptions = {},
): Promise<RunResult> {
  return spawnCollect('chroot', [root, opts.lsmdev ? m.lsmdev : m.binary, ...args], { PATH: PATH_ENV }, opts.input ?? '');
}

/** Spawns a program, feeds it input, and collects its exit status and output. */
export function spawnCollect(cmd: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // a program that exits without reading stdin is fine
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ status: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}
