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
import { WARN, fails, withHost } from '../helpers/expect.js';
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

/** Kills the process whose pid the file holds, if the file is there (a grandchild left behind). */
function killRecorded(pidFile: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

for (const [what, tail, message] of [
  ['exits at once', 'exit 0', (script: string) => `Script '${script}' exited, but a process it started kept its output open past the timeout (300 ms); it was given up`],
  ['then hangs itself', 'sleep 120 & wait; exit 0', (script: string) => `Script '${script}' timed out after 300 ms and was killed`],
] as const) {
  test(`the call-out timeout bounds a pre script whose setsid grandchild keeps its stdout open (script ${what}); the lock is let go`, () =>
    withScripts((s) => {
      const pidFile = s.host.path('grandchild.pid');
      // The grandchild leaves the script's session and process group but keeps its stdout/stderr.
      const script = s.callout(
        '10-daemon',
        `[ "$event" = pre ] || exit 0\n[ -s '${pidFile}' ] && exit 0\nsetsid /bin/sh -c 'echo $$ > "$0"; exec sleep 120' '${pidFile}' &\nwhile [ ! -s '${pidFile}' ]; do :; done\n${tail}`,
      );
      try {
        const r = bounded(s.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'], { MDEVCTL_CALLOUT_TIMEOUT_MS: '300' });
        assert.equal(r.signal, null, 'mdevctl finished by itself within the hard timeout');
        fails(r, 1, `Error: ${message(script)}\n`);
        assert.equal(s.host.exists(`etc/mdevctl.d/mtty/${U1}`), false);
        assert.deepEqual(leftovers(s.root), [], 'no lock or record left');
        // The grandchild still runs: only our ends of its pipes were closed.
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        assert.doesNotThrow(() => process.kill(pid, 0), 'the setsid grandchild is still alive (so the bound did not wait for it)');
        // The next command is not held up (the script answers it at once: its grandchild runs).
        const next = bounded(s.root, ['define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1'], {
          MDEVCTL_CALLOUT_TIMEOUT_MS: '300',
          MDEVCTL_LOCK_WAIT: '0',
        });
        assert.equal(next.signal, null);
        assert.equal(next.status, 0, next.stderr);
      } finally {
        killRecorded(pidFile);
      }
    }));
}

const NEVER = 'new Promise(() => {})';

function put(h: SimHost, rel: string, text: string): void {
  mkdirSync(dirname(h.path(rel)), { recursive: true });
  writeFileSync(h.path(rel), text);
}

/** opt/plugins/hang.mjs, a plugin named `hang` whose apply() body is `body`, enabled by the configuration. */
function hangPlugin(h: SimHost, body: string, module?: string): void {
  put(
    h,
    'opt/plugins/hang.mjs',
    module ?? `export default () => ({ name: 'hang', sdkVersion: ${JSON.stringify(SDK_VERSION)}, apply(hooks) { ${body} } });\n`,
  );
  put(h, 'etc/mdevctl.d/mdevctl.config.json', JSON.stringify({ plugins: { '/opt/plugins/hang.mjs': true } }));
}

/** The run ended by itself (not by the hard timeout) with exit 1, nothing on stdout, this one line. */
function stopped(r: ReturnType<typeof bounded>, line: string): void {
  assert.equal(r.signal, null, 'mdevctl finished by itself within the hard timeout');
  fails(r, 1, `Error: ${line}\n`);
}

test('a plugin pre tap whose promise never settles: define exits 1 naming the plugin and hook, writes nothing, leaves no lock', () =>
  withHost((h) => {
    hangPlugin(h, `hooks.lifecycle.pre.tapPromise('hang', () => ${NEVER});`);
    stopped(bounded(h.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1']), 'Plugin hang: its lifecycle.pre tap never finished (its promise never settled)');
    assert.deepEqual(h.definitions('mtty'), []);
    assert.deepEqual(leftovers(h.root), []);
    // The next mutating command does not find the lock taken.
    const r = bounded(h.root, ['modify', '-u', U1, '--auto'], { MDEVCTL_LOCK_WAIT: '0' });
    fails(r, 1, `Error: Mediated device ${U1} is not defined\n`);
  }));

test('an attrs tap that never settles after the device was created: start exits 1 and the device is taken back', () =>
  withHost((h) => {
    hangPlugin(h, `hooks.lifecycle.attrs.tapPromise('hang', () => ${NEVER});`);
    stopped(bounded(h.root, ['start', '-u', U1, '-p', 'mtty', '-t', 'mtty-1']), 'Plugin hang: its lifecycle.attrs tap never finished (its promise never settled)');
    assert.deepEqual(h.activeUuids(), [], 'no orphaned device');
    assert.deepEqual(leftovers(h.root), []);
  }));

test('list --dumpjson while a device runs: an attributes tap (async function given to tap) or a listing tap that never settles fails the listing, never prints "no devices"', () =>
  withHost((h) => {
    assert.equal(bounded(h.root, ['start', '-u', U1, '-p', 'mtty', '-t', 'mtty-1']).status, 0);
    hangPlugin(h, `hooks.query.activeAttributes.tap('hang', async () => ${NEVER});`);
    stopped(bounded(h.root, ['list', '--dumpjson']), 'Plugin hang: its query.activeAttributes tap never finished (its promise never settled)');
    hangPlugin(h, `hooks.listing.device.tapPromise('hang', () => ${NEVER});`);
    stopped(bounded(h.root, ['list', '-x']), 'Plugin hang: its listing.device tap never finished (its promise never settled)');
    assert.deepEqual(h.activeUuids(), [U1]);
  }));

test('a plugin factory or a JS configuration file whose promise never settles: one line naming it, exit 1, nothing written', () =>
  withHost((h) => {
    hangPlugin(h, '', `export default () => ${NEVER};\n`);
    stopped(bounded(h.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1']), 'Plugin /opt/plugins/hang.mjs failed to load: its factory never finished (its promise never settled)');
    hangPlugin(h, '', `await ${NEVER};\nexport default () => ({});\n`);
    stopped(bounded(h.root, ['types']), 'Plugin /opt/plugins/hang.mjs failed to load: its import never finished (its promise never settled)');
    const config = h.path('etc/mdevctl.d/mdevctl.config.mjs');
    for (const source of [`export default ${NEVER};\n`, `await ${NEVER};\nexport default {};\n`]) {
      put(h, 'etc/mdevctl.d/mdevctl.config.mjs', source);
      stopped(bounded(h.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'], { MDEVCTL_CONFIG: config }), `Configuration file ${config}: loading it never finished (its promise never settled)`);
      stopped(bounded(h.root, ['list', '--dumpjson'], { MDEVCTL_CONFIG: config }), `Configuration file ${config}: loading it never finished (its promise never settled)`);
    }
    assert.deepEqual(h.definitions('mtty'), []);
    assert.deepEqual(leftovers(h.root), []);
  }));

test('start-parent-mdevs: a device whose plugin pre tap never settles is skipped with one warning naming the plugin; the others start', () =>
  withHost((h) => {
    for (const u of [U1, U2]) assert.equal(bounded(h.root, ['define', '-u', u, '-p', 'mtty', '-t', 'mtty-1', '--auto']).status, 0);
    hangPlugin(h, `hooks.lifecycle.pre.tapPromise('hang', (ctx) => ctx.device.uuid === ${JSON.stringify(U1)} ? ${NEVER} : Promise.resolve());`);
    const r = bounded(h.root, ['start-parent-mdevs', 'mtty']);
    assert.equal(r.signal, null);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, WARN);
    assert.equal(
      r.stderr.replace(WARN, ''),
      `Plugin hang: its lifecycle.pre tap never finished (its promise never settled)\nError: 1 auto device of mtty did not start: ${U1}\n`,
    );
    assert.deepEqual(h.activeUuids(), [U2]);
    assert.deepEqual(leftovers(h.root), []);
  }));
