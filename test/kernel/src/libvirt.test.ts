// The libvirt stage of `npm run test:kernel` (issue 18): the real libvirt node-device driver
// (Debian 13's libvirt, its udev backend, virsh) drives our mdevctl on the real kernel's mtty
// sample, in the same qemu guest as the kernel stage, booted once more with libvirt-rootfs.sh's
// root file system as a virtio disk; the same virsh sequence then runs with Debian's mdevctl 1.4.0
// and the two are compared. Every check the guest ran is reported here as its own test. Skipped
// with one line where the guest or the root file system can't be had; with CI=true a failure.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildGuest, REPO, runGuest, type GuestRun } from './vm.js';
import type { GuestLine } from './guest/lib.js';

type Check = Extract<GuestLine, { kind: 'check' }>;

const CI = process.env['CI'] === 'true';
const ROOTFS_SH = join(REPO, 'test/kernel/libvirt-rootfs.sh');
const LAST_RUN = fileURLToPath(new URL('./last-run-libvirt/', import.meta.url));

/** Known differences (reported as todo, not failing): `<section> › <check name>` → what was found. */
const KNOWN: Record<string, string> = {};

type Rootfs = { ok: true; img: string; manifest: string; seconds: number } | { ok: false; reason: string };

/** Runs libvirt-rootfs.sh (progress on stderr); exit 3 means "cannot be had here". */
function buildRootfs(): Promise<Rootfs> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn('bash', [ROOTFS_SH], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => done({ ok: false, reason: `cannot run libvirt-rootfs.sh: ${e.message}` }));
    child.on('close', (code) => {
      const lastErr = err.trim().split('\n').pop() ?? '';
      const img = out.trim().split('\n').pop() ?? '';
      const manifest = img.replace(/\.img$/, '.txt');
      if (code === 0 && img !== '' && existsSync(img) && existsSync(manifest)) {
        done({ ok: true, img, manifest: readFileSync(manifest, 'utf8'), seconds: (Date.now() - t0) / 1000 });
      } else if (code === 3) {
        done({ ok: false, reason: lastErr.replace(/^libvirt-rootfs\.sh: unavailable: /, '') });
      } else {
        done({ ok: false, reason: `libvirt-rootfs.sh failed (exit ${code}): ${lastErr}` });
      }
    });
  });
}

function consoleTail(run: GuestRun, n = 40): string {
  return run.console.trimEnd().split('\n').slice(-n).join('\n');
}

const GUEST_RUN = '#!/bin/sh\ncd /opt/mdevctl || exit 125\nexec node test/kernel/dist/guest/libvirt.js\n';

const built = await buildGuest();
const rootfs: Rootfs = built.ok ? await buildRootfs() : { ok: false, reason: built.reason };
if (!built.ok || !rootfs.ok) {
  const reason = `libvirt stage unavailable: ${built.ok ? (rootfs.ok ? '' : rootfs.reason) : built.reason}`;
  process.stderr.write(`test:kernel: ${reason}\n`);
  test('libvirt (qemu guest, Debian root file system)', (t) => {
    if (CI) assert.fail(`${reason} (CI=true: a failure, not a skip)`);
    t.skip(reason);
  });
} else {
  const run = await runGuest(built.dir, GUEST_RUN, { disk: rootfs.img, timeoutS: Number(process.env['MDEV_VM_TIMEOUT'] ?? 1500) });
  const checks = run.lines.filter((l): l is Check => l.kind === 'check');
  const done = run.lines.find((l) => l.kind === 'done');
  rmSync(LAST_RUN, { recursive: true, force: true });
  mkdirSync(LAST_RUN, { recursive: true });
  writeFileSync(`${LAST_RUN}console.txt`, run.console);
  writeFileSync(`${LAST_RUN}guest-lines.json`, JSON.stringify(run.lines, null, 2));
  const failed = checks.filter((c) => !c.ok && KNOWN[`${c.section} › ${c.name}`] === undefined).length;
  process.stderr.write(`test:kernel: libvirt stage: ${checks.length - failed} passed, ${failed} failed (guest checks; qemu ${run.wallSeconds.toFixed(0)} s)\n`);

  test('the libvirt guest booted, ran every check and powered off (MDEVVM_EXIT marker)', (t) => {
    t.diagnostic(`guest build ${built.seconds.toFixed(1)} s, root file system ${rootfs.seconds.toFixed(1)} s (cached or not)`);
    for (const l of rootfs.manifest.split('\n').slice(1)) if (l !== '') t.diagnostic(`root file system: ${l}`);
    t.diagnostic(`qemu ${run.accel} (${run.accelWhy}): wall ${run.wallSeconds.toFixed(1)} s`);
    for (const l of run.lines) if (l.kind === 'timing') t.diagnostic(`guest: ${l.name}: ${l.seconds.toFixed(1)} s`);
    for (const l of run.lines) if (l.kind === 'note') t.diagnostic(`guest note: ${l.text}`);
    if (run.timedOut) assert.fail(`qemu timed out; console tail:\n${consoleTail(run)}`);
    if (run.exit === undefined) assert.fail(`no MDEVVM_EXIT marker (guest crashed or hung); console tail:\n${consoleTail(run)}`);
    if (done === undefined) assert.fail(`the guest script did not finish (MDEVVM_EXIT=${run.exit}); console tail:\n${consoleTail(run)}`);
    assert.ok(checks.length > 0, 'the guest reported no checks');
  });

  for (const section of [...new Set(checks.map((c) => c.section))]) {
    describe(section, () => {
      for (const c of checks.filter((x) => x.section === section)) {
        const known = KNOWN[`${section} › ${c.name}`];
        test(c.name, known !== undefined && !c.ok ? { todo: known } : {}, () => {
          if (!c.ok) assert.fail(c.detail ?? 'failed');
        });
      }
    });
  }
}
