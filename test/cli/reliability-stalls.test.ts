// Black-box: a command that cannot go on never holds others up, and never says it finished.
// - Input is read before the lock: a `define --jsonfile /dev/stdin` whose writer stalls (libvirt
//   feeding a pipe) does not block a concurrent start-parent-mdevs.
// - The call-out timeout is a real bound: a script whose setsid grandchild keeps the script's
//   stdout open is given up after the timeout; the command fails and lets go of the lock.
// - A plugin tap or a JS configuration file whose promise never settles: the run exits 1 with
//   one line naming the plugin (and hook) or the file, prints nothing else, and leaves no lock.
// Every child process runs with a hard timeout; nothing here waits on a timer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SDK_VERSION } from '@mdevctl/plugin-sdk';
import { MDEVCTL_BIN, runBin, type RunResult } from '../helpers/cli.js';
import { fails, withHost } from '../helpers/expect.js';
import { withScripts } from '../helpers/callout-scripts.js';
import { leftovers } from '../helpers/reliability.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';

const U1 = '7c0a5e1f-2b3d-4e5f-8a6b-1c2d3e4f5a01';
const U2 = '7c0a5e1f-2b3d-4e5f-8a6b-1c2d3e4f5a02';
/** Kills any child still running after this long: a hang fails the test instead of hanging it. */
const HARD_TIMEOUT_MS = 60_000;

function envOf(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root, ...extra };
}

/** mdevctl, synchronously, killed (SIGKILL) if it outlives the hard timeout. */
function bounded(root: string, args: string[], extra: Record<string, string> = {}): RunResult & { signal: string | null } {
  const r = spawnSync(process.execPath, [MDEVCTL_BIN, ...args], {
    env: envOf(root, extra),
    encoding: 'utf8',
    input: '',
    timeout: HARD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

test('define --jsonfile /dev/stdin reads its input before the lock: a stalled writer does not block start-parent-mdevs', async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    assert.equal(runBin(h.root, ['define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1', '--auto']).status, 0);
    const fifo = h.path('input.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    // stdin is a real pipe (a fifo), as libvirt's is; the shell opens it for reading.
    const child = spawn('/bin/sh', ['-c', `exec "$0" "$1" define -u ${U1} -p mtty --jsonfile /dev/stdin < "$2"`, process.execPath, MDEVCTL_BIN, fifo], {
      env: envOf(h.root),
      timeout: HARD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const writer = await open(fifo, 'w');
    try {
      // 192 KiB of leading whitespace: a pipe holds 64 KiB, so once this write is done the reader
      // is inside its read of the input. The rest of the JSON stays unwritten for now.
      await writer.write(Buffer.alloc(192 * 1024, 0x20));
      const other = bounded(h.root, ['start-parent-mdevs', 'mtty'], { MDEVCTL_LOCK_WAIT: '0' });
      assert.deepEqual({ status: other.status, stderr: other.stderr }, { status: 0, stderr: '' });
      assert.equal(child.exitCode, null, 'the define is still waiting for its input');
      assert.deepEqual(h.activeUuids(), [U2]);
      await writer.write('{"mdev_type":"mtty-2","start":"manual","attrs":[]}');
    } finally {
      await writer.close();
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), JSON.stringify({ mdev_type: 'mtty-2', start: 'manual', attrs: [] }, null, 2));
    assert.deepEqual(leftovers(h.root), []);
  } finally {
    h.cleanup();
  }
});
