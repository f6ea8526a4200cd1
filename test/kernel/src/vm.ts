// Host side of the real-kernel tests: builds (or reuses) the guest with build.sh, packs our built
// CLI and the guest scripts into a second cpio, boots qemu once (KVM when it really works, else
// TCG) under a hard timeout, and collects what the guest sent home on its second serial port.

import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  accessSync,
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestLine } from './guest/lib.js';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const BUILD_SH = join(REPO, 'test/kernel/build.sh');

function log(text: string): void {
  process.stderr.write(`test:kernel: ${text}\n`);
}

export type Built = { ok: true; dir: string; seconds: number } | { ok: false; reason: string };

/** Runs build.sh (progress on stderr); exit 3 means "cannot be had here". */
export function buildGuest(): Promise<Built> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn('bash', [BUILD_SH], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => done({ ok: false, reason: `cannot run build.sh: ${e.message}` }));
    child.on('close', (code) => {
      const lastErr = err.trim().split('\n').pop() ?? '';
      const dir = out.trim().split('\n').pop() ?? '';
      if (code === 0 && dir !== '' && existsSync(join(dir, 'READY'))) {
        done({ ok: true, dir, seconds: (Date.now() - t0) / 1000 });
      } else if (code === 3) {
        done({ ok: false, reason: lastErr.replace(/^build\.sh: unavailable: /, '') });
      } else {
        done({ ok: false, reason: `build.sh failed (exit ${code}): ${lastErr}` });
      }
    });
  });
}

// --- the bundle: our built CLI and only what it needs at run time ---------------------------------

/** The package dir `name` resolves to from `from` (node's lookup through node_modules dirs). */
function resolvePackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === REPO || dirname(dir) === dir) return undefined;
  }
}

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  files?: string[];
}

const SKIP = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.tsbuildinfo)$/;

/** Copies core, its workspace packages and its production dependencies into `dest` (same layout). */
export function bundleCli(dest: string): { files: number } {
  const seen = new Set<string>();
  const links = new Map<string, string>(); // repo-relative symlink path -> link text
  const walk = (pkgDir: string): void => {
    const real = realpathSync(pkgDir);
    if (seen.has(real)) return;
    seen.add(real);
    const pj = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) {
      const at = resolvePackage(real, dep);
      if (at === undefined) {
        if (pj.optionalDependencies?.[dep] !== undefined) continue;
        throw new Error(`${relative(REPO, real)}: dependency ${dep} is not installed (run npm ci)`);
      }
      if (lstatSync(at).isSymbolicLink()) links.set(relative(REPO, at), readlinkSync(at));
      walk(at);
    }
  };
  walk(join(REPO, 'core'));
  // The guest scripts import core by its package name (the workspace link node_modules/mdevctl).
  const self = join(REPO, 'node_modules/mdevctl');
  if (lstatSync(self, { throwIfNoEntry: false })?.isSymbolicLink()) links.set(relative(REPO, self), readlinkSync(self));
  let files = 0;
  const filter = (src: string): boolean => {
    if (SKIP.test(src)) return false;
    if (statSync(src).isFile()) files++;
    return true;
  };
  for (const real of seen) {
    const rel = relative(REPO, real);
    if (rel.startsWith('..')) throw new Error(`package outside the repo: ${real}`);
    const to = join(dest, rel);
    if (rel.split('/').includes('node_modules')) {
      cpSync(real, to, { recursive: true, filter, verbatimSymlinks: true });
    } else {
      // A workspace package: its package.json and what it publishes.
      const pj = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8')) as PackageJson;
      mkdirSync(to, { recursive: true });
      copyFileSync(join(real, 'package.json'), join(to, 'package.json'));
      for (const f of pj.files ?? ['dist']) {
        if (existsSync(join(real, f))) cpSync(join(real, f), join(to, f), { recursive: true, filter });
      }
    }
  }
  for (const [rel, target] of links) {
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    rmSync(join(dest, rel), { recursive: true, force: true });
    symlinkSync(target, join(dest, rel));
  }
  copyFileSync(join(REPO, 'package.json'), join(dest, 'package.json'));
  // The guest scripts (compiled next to this file) and the probe.
  const dist = fileURLToPath(new URL('.', import.meta.url));
  cpSync(dist, join(dest, relative(REPO, dist)), { recursive: true, filter });
  for (const bin of ['core/bin/mdevctl.js', 'core/bin/lsmdev.js']) chmodSync(join(dest, bin), 0o755);
  return { files };
}

/** The guest's initrd for one run: the cached base + a second cpio with the bundle and /guest/run. */
export function stageInitrd(guestDir: string, work: string, script?: string): string {
  const stage = join(work, 'stage');
  const opt = join(stage, 'opt/mdevctl');
  mkdirSync(opt, { recursive: true });
  const { files } = bundleCli(opt);
  mkdirSync(join(stage, 'guest'), { recursive: true });
  writeFileSync(
    join(stage, 'guest/run'),
    script ?? '#!/bin/sh\ncd /opt/mdevctl || exit 125\nexec node test/kernel/dist/guest/main.js\n',
    { mode: 0o755 },
  );
  mkdirSync(join(stage, 'usr/local/sbin'), { recursive: true });
  symlinkSync('/opt/mdevctl/core/bin/mdevctl.js', join(stage, 'usr/local/sbin/mdevctl'));
  symlinkSync('/opt/mdevctl/core/bin/lsmdev.js', join(stage, 'usr/local/sbin/lsmdev'));
  const overlay = join(work, 'overlay.cpio');
  const bb = join(guestDir, 'busybox');
  const r = spawnSync(
    'sh',
    ['-c', `cd "$1" && find . -mindepth 1 | sed 's|^\\./||' | LC_ALL=C sort | "$2" cpio -o -H newc > "$3"`, 'sh', stage, bb, overlay],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`packing the overlay failed: ${r.stderr}`);
  // Archives are concatenated; the next one must start 4-byte aligned after the gzip'd base.
  const initrd = join(work, 'initrd.img');
  copyFileSync(join(guestDir, 'base.cpio.gz'), initrd);
  const pad = (512 - (statSync(initrd).size % 512)) % 512;
  appendFileSync(initrd, Buffer.alloc(pad));
  appendFileSync(initrd, readFileSync(overlay));
  log(`bundle: ${files} files of our CLI and its run-time dependencies; overlay ${(statSync(overlay).size / 1e6).toFixed(1)} MB`);
  return initrd;
}

// --- booting ---------------------------------------------------------------------------------------

export type Accel = 'kvm' | 'tcg';

/** KVM only when /dev/kvm is usable and is hardware KVM (kvm_pvm cannot boot a stock kernel). */
export function pickAccel(): { accel: Accel; why: string } {
  const forced = process.env['MDEV_VM_ACCEL'];
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, why: 'MDEV_VM_ACCEL' };
  if (existsSync('/sys/module/kvm_pvm')) return { accel: 'tcg', why: '/dev/kvm is kvm_pvm (cannot boot a stock kernel)' };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', why: 'no usable /dev/kvm' };
  }
  if (!existsSync('/sys/module/kvm_intel') && !existsSync('/sys/module/kvm_amd')) {
    return { accel: 'tcg', why: 'neither kvm_intel nor kvm_amd is loaded' };
  }
  return { accel: 'kvm', why: 'hardware KVM' };
}

export interface GuestRun {
  accel: Accel;
  accelWhy: string;
  /** MDEVVM_EXIT from the console; undefined when the guest never got there. */
  exit: number | undefined;
  console: string;
  lines: GuestLine[];
  wallSeconds: number;
  /** Guest uptime when /init started. */
  bootSeconds: number | undefined;
  timedOut: boolean;
}

/**
 * The environment for qemu: with the wrappers' dir of host tools build.sh unpacked into the tests'
 * cache dir first on PATH (host-tools.sh; <guest>/host-tools-path), else this process's own.
 */
function hostToolsEnv(guestDir: string): NodeJS.ProcessEnv {
  let bin = '';
  try {
    bin = readFileSync(join(guestDir, 'host-tools-path'), 'utf8').trim();
  } catch {
    /* an older guest dir: the host's tools */
  }
  return bin === '' ? process.env : { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
}

function qemu(guestDir: string, initrd: string, out: string, accel: Accel, timeoutS: number, bootTimeoutS: number, opts: GuestOptions): Promise<Omit<GuestRun, 'lines' | 'accelWhy'> & { bootStalled: boolean }> {
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-accel',
    accel,
    ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    '2',
    '-m',
    '1536',
    '-kernel',
    join(guestDir, 'vmlinuz'),
    '-initrd',
    initrd,
    '-append',
    // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss its
    // ticks and panic ("IO-APIC + timer doesn't work") before anything runs.
    'console=ttyS0 panic=-1 quiet no_timer_check',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-serial',
    `file:${out}`,
    '-no-reboot',
    // A disk image the guest may write to; snapshot=on keeps the image itself as it was.
    ...(opts.disk !== undefined ? ['-drive', `file=${opts.disk},if=virtio,format=raw,snapshot=on`] : []),
  ];
  const t0 = Date.now();
  return new Promise((done) => {
    // coreutils timeout kills qemu even if this process dies first.
    const child = spawn('timeout', ['-s', 'KILL', String(timeoutS + 30), 'qemu-system-x86_64', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: hostToolsEnv(guestDir),
    });
    let text = '';
    let partial = '';
    let timedOut = false;
    let bootStalled = false;
    // timeout(1) leads its own process group (qemu in it): kill the group, not just timeout.
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const hard = setTimeout(() => {
      timedOut = true;
      log(`qemu did not finish in ${timeoutS} s: killed`);
      kill();
    }, timeoutS * 1000);
    const bootWatch = setTimeout(() => {
      if (!text.includes('MDEVVM_BOOTED')) {
        bootStalled = true;
        log(`no MDEVVM_BOOTED after ${bootTimeoutS} s with ${accel}: killed`);
        kill();
      }
    }, bootTimeoutS * 1000);
    const onData = (d: string) => {
      text += d;
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) process.stderr.write(`guest| ${l.replace(/\r$/, '')}\n`);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('error', (e) => {
      text += `\n(cannot run qemu-system-x86_64: ${e.message})\n`;
    });
    child.on('close', () => {
      clearTimeout(hard);
      clearTimeout(bootWatch);
      if (partial !== '') process.stderr.write(`guest| ${partial}\n`);
      const clean = text.replace(/\r/g, '');
      const exit = /^MDEVVM_EXIT=(\d+)$/m.exec(clean);
      const boot = /MDEVVM_BOOTED uptime=([\d.]+)/.exec(clean);
      done({
        accel,
        exit: exit ? Number(exit[1]) : undefined,
        console: clean,
        wallSeconds: (Date.now() - t0) / 1000,
        bootSeconds: boot ? Number(boot[1]) : undefined,
        timedOut,
        bootStalled,
      });
    });
  });
}

export interface GuestOptions {
  /** A raw disk image, the guest's /dev/vda (the libvirt stage's root file system). */
  disk?: string;
  /** The hard timeout in seconds (default MDEV_VM_TIMEOUT, else 900). */
  timeoutS?: number;
}

/** Boots the guest once; `script` replaces /guest/run (default: the guest checks). */
export async function runGuest(guestDir: string, script?: string, opts: GuestOptions = {}): Promise<GuestRun> {
  const work = mkdtempSync(join(tmpdir(), 'mdev-vm-run-'));
  try {
    const initrd = stageInitrd(guestDir, work, script);
    const timeoutS = opts.timeoutS ?? Number(process.env['MDEV_VM_TIMEOUT'] ?? 900);
    let { accel, why } = pickAccel();
    log(`booting with ${accel} (${why}); hard timeout ${timeoutS} s`);
    const out = join(work, 'ttyS1.out');
    let run = await qemu(guestDir, initrd, out, accel, timeoutS, accel === 'kvm' ? 60 : timeoutS, opts);
    if (accel === 'kvm' && run.bootStalled) {
      accel = 'tcg';
      why = 'KVM did not boot the guest; fell back';
      log('KVM did not boot the guest: again with TCG');
      rmSync(out, { force: true });
      run = await qemu(guestDir, initrd, out, 'tcg', timeoutS, timeoutS, opts);
    }
    const lines: GuestLine[] = [];
    if (existsSync(out)) {
      for (const raw of readFileSync(out, 'utf8').split('\n')) {
        const l = raw.replace(/\r$/, '').trim();
        if (!l.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(l) as GuestLine);
        } catch {
          /* a line cut short by a crash */
        }
      }
    }
    const { bootStalled: _ignored, ...rest } = run;
    return { ...rest, accelWhy: why, lines };
  } finally {
    if (process.env['MDEV_VM_KEEP'] !== '1') rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}
