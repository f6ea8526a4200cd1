// The monitor takes its sources from the backends it is given: a backend that says
// `watch: {kind: 'timer'}` (hardware that sends no event, e.g. a vendor-VFIO VF's
// current_vgpu_type) is rescanned on its timer, with no core change. Here a backend made up in
// the test (its devices change in memory only: no file, no uevent) is watched beside the mdev
// bus of a simulated host.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host, HostPaths, Monitor, UeventSource, type WatchedBackend, type ActiveDevice, type Logger } from 'mdevctl';
import { simHost } from '../helpers/sim-host.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };

test('a timer backend is rescanned on its interval; its changes are events like any other', async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const host = new Host(new HostPaths(h.root), quiet);
    let running: ActiveDevice[] = [];
    let scans = 0;
    const vf: WatchedBackend = {
      name: 'vf-test',
      watch: { kind: 'timer', intervalMs: 150 },
      parents: () => ['0000:3b:00.4'],
      activeDevices: () => {
        scans++;
        // From the third scan on (two timer ticks after the first scan), a device is there.
        if (scans === 3) running = [{ uuid: U1, parent: '0000:3b:00.4', type: 'nvidia-556' }];
        return running;
      },
    };
    const lines: string[] = [];
    const monitor = new Monitor(
      { paths: host.paths, store: host.store, log: quiet, env: {}, backends: () => [vf] },
      { json: true, initial: true, count: 2, timeoutSeconds: 30 },
      (line) => (lines.push(line), true),
    );
    assert.equal(await monitor.run(), 0);
    const events = lines.map((l) => {
      const e = JSON.parse(l) as Record<string, unknown>;
      delete e['time'];
      return e;
    });
    assert.deepEqual(events, [
      { event: 'parent-added', uuid: null, parent: '0000:3b:00.4', type: null },
      { event: 'started', uuid: U1, parent: '0000:3b:00.4', type: 'nvidia-556' },
    ]);
    assert.ok(scans >= 3);
  } finally {
    h.cleanup();
  }
});

test('two backends listing one parent: one parent-added (as every command sees one parent); a uuid two report is the first\'s', async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const host = new Host(new HostPaths(h.root), quiet);
    const backend = (name: string, type: string): WatchedBackend => ({
      name,
      watch: { kind: 'timer', intervalMs: 10_000 },
      parents: () => ['shared'],
      activeDevices: () => [{ uuid: U1, parent: 'shared', type }],
    });
    const lines: string[] = [];
    const monitor = new Monitor(
      { paths: host.paths, store: host.store, log: quiet, env: {}, backends: () => [backend('a', 'first'), backend('b', 'second')] },
      { initial: true, timeoutSeconds: 0.3 },
      (line) => (lines.push(line.replace(/^\S+ /, '')), true),
    );
    assert.equal(await monitor.run(), 0);
    assert.deepEqual(lines, ['parent-added - shared -\n', `started ${U1} shared first\n`]);
  } finally {
    h.cleanup();
  }
});

test('uevent source without udevadm on PATH: its backends are rescanned on the fallback timer, udevadm tried again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mdevctl-nopath-'));
  const reasons: string[] = [];
  let seen: () => void = () => {};
  const fallbackSeen = new Promise<void>((resolve) => (seen = resolve));
  const source = new UeventSource({
    watched: [{ domain: 'mdev-bus', subsystems: ['mdev'] }],
    trigger: (_domain, reason) => {
      reasons.push(reason);
      if (reason.startsWith('fallback timer')) seen();
    },
    fallbackMs: 50,
    env: { PATH: dir },
    log: quiet,
  });
  try {
    source.start();
    await Promise.race([fallbackSeen, new Promise((_, reject) => setTimeout(() => reject(new Error(reasons.join('; '))), 10_000))]);
    assert.match(reasons[0] ?? '', /^uevents: cannot run udevadm: ENOENT$/);
  } finally {
    source.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
