// Debian's real mdevctl 1.2.0 as a live reference: fetches the .debs (mdevctl, busybox-static) with
// `apt-get download` and unpacks them with `dpkg-deb -x` into a per-version cache dir — nothing is
// installed, nothing lands on PATH — then builds a chroot-able root tree around a test root
// (binary, the libraries ldd lists, busybox as /bin/sh, the script dirs 1.2.0 insists on) and runs
// it there. 1.2.0 ignores MDEVCTL_ENV_ROOT, so the chroot is its root. When anything needed is
// missing, debianMdevctl() says "unavailable: …".

import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { RunResult } from './cli.js';
import { testCacheDir } from './cache.js';

export interface DebianMdevctl {
  /** Where Debian puts the binary, as a path inside the chroot (/usr/bin/mdevctl). */
  binary: string;
  /** The unpacked binary on the host (in the reference cache; never on PATH). */
  hostBinary: string;
  /** Where Debian puts lsmdev inside the chroot (a symlink to mdevctl; 1.2.0 picks the command from argv[0]). */
  lsmdev: string;
  /** Host path of the static busybox (in the reference cache). */
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

/** The Debian packages the reference needs; each is unpacked, never installed. */
export const REFERENCE_PACKAGES = ['mdevctl', 'busybox-static'] as const;

/**
 * Where the unpacked packages live: $MDEVCTL_REFERENCE_CACHE, else debian/ in the tests' one
 * cache dir (helpers/cache.ts). Not /tmp: the binary found there runs as root.
 */
export function referenceCacheDir(): string {
  return process.env['MDEVCTL_REFERENCE_CACHE'] || join(testCacheDir(), 'debian');
}

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs a host tool (apt, dpkg-deb, ldd); a tool that can't be spawned gives status -1. */
function run(cmd: string, args: string[], cwd?: string): RunResult {
  const r = spawnSync(cmd, args, { env: APT_ENV, input: '', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd });
  if (r.error) return { status: -1, stdout: '', stderr: `${cmd}: ${r.error.message}` };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
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

/** apt's candidate version of a package, or undefined when its lists do not know one. */
function candidate(pkg: string): string | undefined {
  const r = run('apt-cache', ['policy', pkg]);
  const v = /^\s*Candidate:\s*(\S+)/m.exec(r.stdout)?.[1];
  return v && v !== '(none)' ? v : undefined;
}

/** Candidate versions of all packages, with one `apt-get update` when the lists lack one. */
function candidates(pkgs: readonly string[]): Map<string, string> | string {
  let missing = pkgs.filter((p) => !candidate(p));
  if (missing.length > 0) {
    if (run('apt-cache', ['--version']).status !== 0) return 'no apt-cache (not a Debian host)';
    const u = run('apt-get', ['-o', 'DPkg::Lock::Timeout=120', '-qq', 'update']);
    if (u.status !== 0) return `apt-get update failed: ${lastLines(u.stderr || u.stdout)}`;
    missing = pkgs.filter((p) => !candidate(p));
    if (missing.length > 0) return `apt knows no version of ${missing.join(', ')}`;
  }
  return new Map(pkgs.map((p) => [p, candidate(p) as string]));
}

/**
 * The dir package `pkg` at `version` is unpacked in (fetched and unpacked when not cached yet).
 * Test files run in parallel: each unpacks into its own temp dir and renames it into place; a
 * loser of that race uses the winner's copy.
 */
function unpacked(cache: string, pkg: string, version: string): string | { error: string } {
  const dir = join(cache, `${pkg}_${version.replaceAll(':', '%3a')}`);
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  // What is unpacked here runs as root: only a dir of ours that nobody else can write will do.
  const st = statSync(cache);
  if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    return { error: `${cache} is not ours alone (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}); set MDEVCTL_REFERENCE_CACHE` };
  }
  if (existsSync(join(dir, '.complete'))) return dir;
  const work = mkdtempSync(join(cache, `.${pkg}-`));
  try {
    const dl = run('apt-get', ['-qq', '-o', 'APT::Sandbox::User=root', 'download', `${pkg}=${version}`], work);
    if (dl.status !== 0) return { error: `apt-get download ${pkg}=${version} failed: ${lastLines(dl.stderr || dl.stdout)}` };
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) return { error: `apt-get download ${pkg}=${version} left no .deb` };
    const root = join(work, 'root');
    const x = run('dpkg-deb', ['-x', join(work, deb), root]);
    if (x.status !== 0) return { error: `dpkg-deb -x ${deb} failed: ${lastLines(x.stderr || x.stdout)}` };
    writeFileSync(join(root, '.complete'), `${pkg} ${version}\n`);
    try {
      renameSync(root, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      if (!existsSync(join(dir, '.complete'))) return { error: `${dir} exists but is not a complete unpack` };
    }
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The first of `paths` (relative to `dir`) that is a regular file or a symlink. */
function firstIn(dir: string, paths: string[], symlink = false): string | undefined {
  for (const p of paths) {
    const full = join(dir, p);
    try {
      if (symlink ? lstatSync(full).isSymbolicLink() : isFile(full)) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Absolute paths ldd names for a binary (libraries and the dynamic loader; no vdso). */
function lddPaths(binary: string): string[] | string {
  const r = run('ldd', [binary]);
  if (r.status !== 0) return `ldd ${binary} failed: ${lastLines(r.stderr || r.stdout)}`;
  if (/not found/.test(r.stdout)) return `ldd ${binary}: ${lastLines(r.stdout.split('\n').filter((l) => /not found/.test(l)).join('\n'))}`;
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
  const versions = candidates(REFERENCE_PACKAGES);
  if (typeof versions === 'string') return { ok: false, reason: versions };
  const cache = referenceCacheDir();
  const dirs: Record<string, string> = {};
  for (const pkg of REFERENCE_PACKAGES) {
    const d = unpacked(cache, pkg, versions.get(pkg) as string);
    if (typeof d !== 'string') return { ok: false, reason: d.error };
    dirs[pkg] = d;
  }
  const mdevDir = dirs['mdevctl'] as string;
  const bbDir = dirs['busybox-static'] as string;
  const rel = firstIn(mdevDir, ['usr/bin/mdevctl', 'usr/sbin/mdevctl', 'bin/mdevctl', 'sbin/mdevctl']);
  if (!rel) return { ok: false, reason: `package mdevctl ${versions.get('mdevctl')} holds no mdevctl binary` };
  const bb = firstIn(bbDir, ['bin/busybox', 'usr/bin/busybox']);
  if (!bb) return { ok: false, reason: `package busybox-static ${versions.get('busybox-static')} holds no busybox` };
  const hostBinary = join(mdevDir, rel);
  const libs = lddPaths(hostBinary);
  if (typeof libs === 'string') return { ok: false, reason: libs };
  const lsRel = firstIn(mdevDir, [join(dirname(rel), 'lsmdev')], true) ?? join(dirname(rel), 'lsmdev');
  const mdevctl: DebianMdevctl = {
    binary: `/${rel}`,
    hostBinary,
    lsmdev: `/${lsRel}`,
    busybox: join(bbDir, bb),
    libs,
    version: '',
  };
  // Check it really runs in a chroot, and which version it is.
  const probe = mkdtempSync(join(tmpdir(), 'debian-mdevctl-probe-'));
  try {
    prepareDebianRoot(probe, mdevctl);
    const v = runDebian(probe, mdevctl, ['--version']);
    if (v.status !== 0) return { ok: false, reason: `chroot ${mdevctl.binary} --version: ${lastLines(v.stderr || v.stdout)}` };
    mdevctl.version = v.stdout.split('\n')[0] ?? '';
  } catch (e) {
    return { ok: false, reason: `cannot run ${hostBinary} in a chroot: ${(e as Error).message}` };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  if (!/^mdevctl 1\.2\.\d+$/.test(mdevctl.version)) {
    return { ok: false, reason: `found "${mdevctl.version}", the differential test targets mdevctl 1.2.x` };
  }
  return { ok: true, mdevctl };
}

let cached: Availability | undefined;

/** Finds Debian's mdevctl 1.2.x, fetching and unpacking it into the cache when missing (once per process). */
export function debianMdevctl(): Availability {
  cached ??= discover();
  return cached;
}

function copyInto(root: string, hostPath: string, at = hostPath): void {
  const dest = join(root, at);
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
  copyInto(root, m.hostBinary, m.binary);
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
