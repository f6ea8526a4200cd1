// The boot path, timed where it really runs (issue 19): for ours and Debian's 1.2.0, how long
// from the parent's MDEV_STATE=registered uevent to all its `auto` devices up — the udev rule's
// RUN (start-parent-mdevs %k) for AUTO_DEVICES auto mtty devices after `rmmod` + `modprobe mtty` —
// next to what a bare `node -e 0` and an empty `list` cost in this guest. Sent home as notes
// (printed by the host's test as `guest note:` lines); the checks only require that the devices
// came up. Performance is reported, never asserted.
//
// Clock: /proc/uptime (10 ms steps) for the hook's own run, read by the hook's shell; the RUN
// starts when busybox `uevent` has received the uevent and started the hook (no udevd here).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeDevices, check, DEFS, OURS, resetHost, send, sh, sleep, THEIRS } from './lib.js';

const AUTO_DEVICES = 8;
const ROUNDS = 3;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const uuid = (i: number): string => `b007b007-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/** Wall seconds of one run of a command (spawnSync: this process waits, it burns no CPU). */
function timed(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { PATH, HOME: '/root' }, stdio: 'ignore', timeout: 120_000 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  return s;
}

/**
 * One boot: AUTO_DEVICES auto definitions on mtty, mtty unloaded and loaded again; the hook runs
 * `rule` (the RUN+= value) and writes the uptime at its start and end. Returns those seconds.
 */
async function bootOnce(rule: string): Promise<{ run: number; fromModprobe: number }> {
  resetHost();
  mkdirSync(join(DEFS, 'mtty'), { recursive: true });
  for (let i = 0; i < AUTO_DEVICES; i++) {
    writeFileSync(join(DEFS, 'mtty', uuid(i)), JSON.stringify({ mdev_type: 'mtty-1', start: 'auto', attrs: [] }, null, 2));
  }
  const up = "cut -d' ' -f1 /proc/uptime";
  writeFileSync('/run/hook-run', `t0=$(${up}); ${rule}; echo "$t0 $(${up})" >/run/boot-timing`);
  rmSync('/run/hook.log', { force: true });
  rmSync('/run/boot-timing', { force: true });
  sh('rmmod mtty');
  const beforeModprobe = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  sh('modprobe mtty');
  for (let i = 0; i < 600 && !existsSync('/run/hook.log'); i++) await sleep(100);
  assert.ok(existsSync('/run/boot-timing'), 'the rule did not run in 60 s');
  const [t0, t1] = readFileSync('/run/boot-timing', 'utf8').trim().split(' ').map(Number) as [number, number];
  const up8 = activeDevices().filter((l) => l.endsWith(' mtty mtty-1'));
  assert.equal(up8.length, AUTO_DEVICES, `auto devices up: ${up8.length} of ${AUTO_DEVICES}`);
  return { run: t1 - t0, fromModprobe: t1 - beforeModprobe };
}

/**
 * Times the boot path of both programs (the hook of main.ts's boot-time section must be
 * listening). `rules`: each program's RUN+= value of its registered rule.
 */
export async function bootTiming(rules: { ours: string; theirs: string }): Promise<void> {
  const floor: number[] = [];
  const list: Record<'ours' | '1.2.0', number[]> = { ours: [], '1.2.0': [] };
  const boot: Record<'ours' | '1.2.0', Array<{ run: number; fromModprobe: number }>> = { ours: [], '1.2.0': [] };
  await check(`boot timing: ${AUTO_DEVICES} auto mtty devices come up on registered, ${ROUNDS} rounds each (ours, 1.2.0)`, async () => {
    resetHost();
    for (let i = 0; i < ROUNDS; i++) {
      floor.push(timed(process.execPath, ['-e', '0']));
      list.ours.push(timed(process.execPath, [OURS, 'list']));
      list['1.2.0'].push(timed(THEIRS, ['list']));
    }
    // node -e 0 in every round, next to both boots: the guest's speed follows the host's load.
    for (let i = 0; i < ROUNDS; i++) {
      floor.push(timed(process.execPath, ['-e', '0']));
      boot.ours.push(await bootOnce(rules.ours));
      boot['1.2.0'].push(await bootOnce(rules.theirs));
    }
  });
  resetHost();
  if (floor.length === 0) return;
  const f = median(floor);
  const s = (x: number): string => `${x.toFixed(2)} s`;
  const lines = [`node -e 0: ${s(f)} (${floor.map((x) => x.toFixed(2)).join(', ')})`];
  for (const who of ['ours', '1.2.0'] as const) {
    const run = median(boot[who].map((b) => b.run));
    const all = median(boot[who].map((b) => b.fromModprobe));
    lines.push(
      `${who}: registered -> ${AUTO_DEVICES} auto devices up ${s(run)} (${(run / f).toFixed(2)}x node -e 0; from modprobe ${s(all)}), empty list ${s(median(list[who]))}`,
    );
  }
  send({ kind: 'note', text: `boot timing (medians of ${ROUNDS}, TCG/KVM as the run says): ${lines.join('; ')}` });
}
