// `mdevctl monitor` on the real kernel (issue 27), in its own section of main.ts. The guest is
// busybox without udevd, so the monitor's uevent source is given a `udevadm` on its own PATH that
// prints what `udevadm monitor --kernel --property` prints, fed by busybox `uevent` (the kernel's
// netlink uevents). Real sysfs sends no inotify events, so every device and parent event here
// came through that source; the checks also find the uevent named in the monitor's debug log and
// no fallback rescan. Waits are for the expected line, each with a bound.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { check, OURS, PATH, sh, sleep, U1 } from './lib.js';

const BIN = '/run/monitor-bin';
const SEEN = `${BIN}/seen`;
/** A node start alone takes seconds under TCG. */
const WAIT_MS = 90_000;

const UDEVADM = `#!/bin/sh
# udevadm monitor --kernel --property, as far as mdevctl monitor reads it: busybox uevent runs
# print-uevent for each kernel uevent with its variables in the environment.
printf 'monitor will print the received events for:\\nKERNEL - the kernel uevent\\n\\n'
exec /bin/busybox uevent ${BIN}/print-uevent
`;
const PRINT_UEVENT = `#!/bin/sh
: > ${SEEN}
printf 'KERNEL[0.0] %s %s (%s)\\nACTION=%s\\nDEVPATH=%s\\nSUBSYSTEM=%s\\n' "$ACTION" "$DEVPATH" "$SUBSYSTEM" "$ACTION" "$DEVPATH" "$SUBSYSTEM"
[ -n "$MDEV_STATE" ] && printf 'MDEV_STATE=%s\\n' "$MDEV_STATE"
echo
`;

interface JsonEvent {
  event: string;
  uuid: string | null;
  parent: string;
  type: string | null;
}

export async function monitorStage(): Promise<void> {
  mkdirSync(BIN, { recursive: true });
  writeFileSync(`${BIN}/udevadm`, UDEVADM, { mode: 0o755 });
  writeFileSync(`${BIN}/print-uevent`, PRINT_UEVENT, { mode: 0o755 });
  const child = spawn(process.execPath, [OURS, 'monitor', '--json'], {
    env: { PATH: `${BIN}:${PATH}`, HOME: '/root', MDEVCTL_LOG: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), waiters.forEach((w) => w())));
  child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), waiters.forEach((w) => w())));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => (waiters.forEach((w) => w()), resolve(code))));
  const until = (what: string, holds: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => end(new Error(`no ${what} within ${WAIT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), WAIT_MS);
      const test = () => {
        if (holds()) end();
        else if (child.exitCode !== null) end(new Error(`monitor exited (${child.exitCode}) before ${what}\nstderr: ${stderr}`));
      };
      const end = (err?: Error) => (clearTimeout(timer), waiters.delete(test), err ? reject(err) : resolve());
      waiters.add(test);
      test();
    });
  const events = (): JsonEvent[] => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonEvent);
  const has = (e: Partial<JsonEvent>) => () => events().some((x) => Object.entries(e).every(([k, v]) => x[k as keyof JsonEvent] === v));

  try {
    await check('monitor: runs the udevadm on its PATH and listens to the kernel\'s uevents', async () => {
      await until('"udevadm listening"', () => stderr.includes('monitor: watching ') && stderr.includes('udevadm listening'));
      // busybox uevent binds its netlink socket after the header: poke synthetic uevents until one
      // comes through (bounded), so that the checks below cannot race its start.
      for (let i = 0; i < 100 && !existsSync(SEEN); i++) {
        writeFileSync('/sys/devices/virtual/mtty/mtty/uevent', 'change');
        await sleep(200);
      }
      assert.ok(existsSync(SEEN), 'no uevent reached the udevadm stand-in');
    });
    await check('monitor: a device made by a raw `echo uuid > …/create` shows up as started, through its uevent', async () => {
      sh(`echo ${U1} > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create`);
      await until('started', has({ event: 'started', uuid: U1, parent: 'mtty', type: 'mtty-1' }));
      assert.match(stderr, new RegExp(`monitor: mdev-bus: uevent add mdev /devices/virtual/mtty/mtty/${U1}\\n`));
      assert.doesNotMatch(stderr, /fallback timer|inotify \/sys/);
    });
    await check('monitor: rmmod mtty gives stopped then parent-removed; modprobe mtty parent-added, through MDEV_STATE', async () => {
      sh('rmmod mtty');
      await until('parent-removed', has({ event: 'parent-removed', parent: 'mtty' }));
      const names = events().map((e) => `${e.event} ${e.uuid ?? '-'} ${e.parent}`);
      assert.deepEqual(names, [`started ${U1} mtty`, `stopped ${U1} mtty`, 'parent-removed - mtty']);
      sh('modprobe mtty');
      await until('parent-added', has({ event: 'parent-added', parent: 'mtty' }));
      assert.match(stderr, /monitor: mdev-bus: uevent change mtty \/devices\/virtual\/mtty\/mtty\n/);
      assert.doesNotMatch(stderr, /fallback timer|inotify \/sys/);
      assert.equal(events().length, 4, stdout);
    });
    await check('monitor: SIGTERM ends it, exit 143', async () => {
      child.kill('SIGTERM');
      assert.equal(await exited, 143, stderr);
    });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
