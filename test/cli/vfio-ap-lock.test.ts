// The s390apconfig lock on the simulated host: a second process holding it (refused, or waited
// for), a stale lock of a dead pid, a fake s390-tools ap-check call-out installed alongside (it
// takes the lock in mdevctl's name at pre and drops it at post: same results, no deadlock), no
// lock leaked when a later pre fails, and a host change before we held the lock caught again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { MDEVCTL_BIN, type RunResult } from '../helpers/cli.js';
import { config } from '../helpers/expect.js';
import { ScriptHost, shQuote } from '../helpers/callout-scripts.js';
import { tree } from '../helpers/expect.js';

const A = '0a000000-0000-4000-8000-00000000000a';
const B = '0b000000-0000-4000-8000-00000000000b';
const LOCK = 'run/lock/s390apconfig.lock';
const TYPE = 'vfio_ap-passthrough';

function withAp(fn: (s: ScriptHost) => Promise<void> | void): Promise<void> {
  const s = new ScriptHost({ parents: ['matrix'] });
  return Promise.resolve()
    .then(() => fn(s))
    .finally(() => s.cleanup());
}

function define(s: ScriptHost, uuid: string, start: 'auto' | 'manual', attrs: Array<[string, string]>): void {
  const r = s.runWith({}, ['define', '-u', uuid, '-p', 'matrix', '--jsonfile', '/dev/stdin'], config(TYPE, start, attrs));
  assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
}

/** A process that holds the lock (its pid in the file) until its stdin closes. */
async function holder(s: ScriptHost): Promise<{ pid: number; release: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await once(child, 'spawn');
  const pid = child.pid ?? 0;
  writeFileSync(s.host.path(LOCK), `${pid}\n`);
  return {
    pid,
    release: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

const config0 = (s: ScriptHost): string => {
  const file = s.host.path('ap-nowait.json');
  writeFileSync(file, JSON.stringify({ plugins: { 'vfio-ap': { lockWaitMs: 0 } } }));
  return file;
};

test('a lock held by another live process: refused with lockWaitMs 0, nothing written, the lock kept', () =>
  withAp(async (s) => {
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '4']]);
    const nowait = config0(s);
    const h = await holder(s);
    try {
      const before = tree(s.root);
      const r = s.runWith({ MDEVCTL_CONFIG: nowait }, ['start', '-u', A]);
      assert.deepEqual(r, {
        status: 1,
        stdout: '',
        stderr: `Error: Plugin vfio-ap: The AP configuration lock ${s.host.path(LOCK)} is held by process ${h.pid} (s390-tools' chzdev or ap-check, or another mdevctl); try again when it is done\n`,
      });
      assert.deepEqual(tree(s.root), before);
    } finally {
      await h.release();
    }
  }));

test('mdevctl waits for the holder (no timer in the test: the holder goes when mdevctl says it waits)', () =>
  withAp(async (s) => {
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '4']]);
    const h = await holder(s);
    const child = spawn(process.execPath, [MDEVCTL_BIN, 'start', '-u', A], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: s.root, MDEVCTL_LOG: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let released = false;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!released && stderr.includes('Waiting for the AP configuration lock')) {
        released = true;
        void h.release();
      }
    });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`Waiting for the AP configuration lock ${s.host.path(LOCK)}, held by process ${h.pid}`));
    assert.deepEqual(s.host.activeUuids(), [A]);
    assert.equal(existsSync(s.host.path(LOCK)), false, 'released after post');
  }));

test('a stale lock of a dead process is taken over and released', () =>
  withAp((s) => {
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '4']]);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(s.host.path(LOCK), `${dead}\n`);
    assert.deepEqual(s.run('start', '-u', A), { status: 0, stdout: '', stderr: '' });
    assert.equal(existsSync(s.host.path(LOCK)), false);
  }));

/**
 * A fake s390-tools ap-check: at pre it takes the lock in its parent's (mdevctl's) name, once,
 * failing when someone holds it (so a lock we took before it would show); at post it removes the
 * lock if it holds that pid. It notes what it saw in aplock.log.
 */
function installApCheck(s: ScriptHost, preAlso = ''): void {
  s.callout(
    'ap-check',
    [
      `[ "$type" = ${TYPE} ] || exit 2`,
      'root="${0%/*}/../../../../.."',
      `lock="$root/${LOCK}"`,
      'case "$event" in',
      'pre)',
      '  tmp="$lock.apcheck.$$"; echo "$PPID" > "$tmp"',
      '  if ln "$tmp" "$lock" 2>/dev/null; then rm -f "$tmp"; echo "pre $action took $PPID" >> "$root/aplock.log"',
      '  else rm -f "$tmp"; echo "Failed to acquire configuration lock" >&2; exit 1; fi',
      `  ${preAlso};;`,
      'post)',
      '  held=$(cat "$lock" 2>/dev/null); echo "post $action saw ${held:-none} ppid $PPID" >> "$root/aplock.log"',
      '  [ "$held" = "$PPID" ] && rm -f "$lock";;',
      'esac',
      'exit 0',
    ].join('\n'),
  );
}

test('with a fake ap-check installed: the same results, ap-check locks in our name, nothing leaks', () =>
  withAp((s) => {
    installApCheck(s);
    define(s, A, 'auto', [['assign_adapter', '5'], ['assign_domain', '4']]);
    assert.deepEqual(s.run('start', '-u', A), { status: 0, stdout: '', stderr: '' });
    const log = readFileSync(s.host.path('aplock.log'), 'utf8').trim().split('\n');
    assert.equal(log.length, 4, log.join('\n')); // define and start, pre and post each
    const [, , startPre, startPost] = log;
    const pid = /took (\d+)/.exec(startPre ?? '')?.[1];
    assert.equal(startPost, `post start saw ${pid} ppid ${pid}`, 'the lock held mdevctl\'s pid until the post call-out');
    assert.equal(existsSync(s.host.path(LOCK)), false);
    // A conflict is refused as without ap-check, in validate, before any call-out runs.
    s.clearLog();
    const r = s.runWith({}, ['define', '-u', B, '-p', 'matrix', '--jsonfile', '/dev/stdin'], config(TYPE, 'auto', [['assign_adapter', '5'], ['assign_domain', '4']]));
    assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: APQN 05.0004 is also assigned to auto-start device ${A}\n` });
    assert.deepEqual(s.trace(), []);
  }));

const ALL_BITS = `0x${'f'.repeat(64)}`;
/** Shell: the host takes every adapter back (apmask all ones), as chzdev could meanwhile. */
const TAKE_BACK = `printf '%s\\n' ${shQuote(ALL_BITS)} > "\${0%/*}/../../../../../sys/bus/ap/apmask"`;

test('ap-check took the lock, then our pre fails: the lock is released, not leaked', () =>
  withAp((s) => {
    installApCheck(s);
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '1']]);
    installApCheck(s, TAKE_BACK);
    const r: RunResult = s.run('start', '-u', A);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: Plugin vfio-ap: APQN 05\.0001 is still owned by the host/);
    assert.match(readFileSync(s.host.path('aplock.log'), 'utf8'), /pre start took \d+\n$/, 'no post call-out after a failed pre');
    assert.deepEqual(s.host.activeUuids(), []);
    assert.equal(existsSync(s.host.path(LOCK)), false, 'not leaked');
  }));

test('a host change before mdevctl held the lock (a pre call-out takes adapter 5 back) is caught again', () =>
  withAp((s) => {
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '1']]);
    s.callout('apmask', `[ "$event" = pre ] && ${TAKE_BACK}; exit 0`);
    const r = s.run('start', '-u', A);
    assert.deepEqual(r, {
      status: 1,
      stdout: '',
      stderr:
        'Error: Plugin vfio-ap: APQN 05.0001 is still owned by the host, as set in the live AP bus masks /sys/bus/ap/apmask and aqmask ' +
        '(the host changed before mdevctl held the AP configuration lock)\n',
    });
    assert.deepEqual(s.host.activeUuids(), []);
    assert.equal(existsSync(s.host.path(LOCK)), false);
  }));

// Issue 23 item 2: s390apconfig.lock lies in world-writable /run/lock on Debian and Ubuntu.

const asRoot = process.geteuid?.() === 0;
const NOBODY = 65534;

test("a lock that s390-tools could not have written (a regular file of another user, holding a live pid) is replaced with one warning", { skip: asRoot ? false : 'needs root (chown)' }, () =>
  withAp(async (s) => {
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '4']]);
    const h = await holder(s);
    try {
      chownSync(s.host.path(LOCK), NOBODY, NOBODY);
      const r = spawnSync(process.execPath, [MDEVCTL_BIN, 'start', '-u', A], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: s.root },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', new RegExp(`WARN  mdevctl\\] Replacing ${s.host.path(LOCK)}: owned by uid ${NOBODY}, not root`));
      assert.deepEqual(s.host.activeUuids(), [A]);
      assert.equal(existsSync(s.host.path(LOCK)), false, 'ours, released after post');
    } finally {
      await h.release();
    }
  }));

test("the wait for s390-tools' lock is bounded by MDEVCTL_LOCK_WAIT (mdevctl holds its own lock meanwhile)", () =>
  withAp(async (s) => {
    define(s, A, 'manual', [['assign_adapter', '5'], ['assign_domain', '4']]);
    const h = await holder(s);
    try {
      // lockWaitMs is 60 s by default; MDEVCTL_LOCK_WAIT=0 must win (a hard timeout guards the test).
      const r = spawnSync(process.execPath, [MDEVCTL_BIN, 'start', '-u', A], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: s.root, MDEVCTL_LOCK_WAIT: '0' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(r.signal, null, 'mdevctl waited for the AP lock longer than MDEVCTL_LOCK_WAIT');
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`^Error: Plugin vfio-ap: The AP configuration lock ${s.host.path(LOCK)} is held by process ${h.pid} `));
      assert.deepEqual(s.host.activeUuids(), []);
    } finally {
      await h.release();
    }
  }));

test('start-parent-mdevs (boot) with auto devices that cannot get the AP lock: exit 1 naming each; a later run starts them', () =>
  withAp(async (s) => {
    define(s, A, 'auto', [['assign_adapter', '5'], ['assign_domain', '4']]);
    define(s, B, 'auto', [['assign_adapter', '6'], ['assign_domain', '4']]);
    const h = await holder(s);
    let r: RunResult;
    try {
      r = s.runWith({ MDEVCTL_LOCK_WAIT: '0' }, ['start-parent-mdevs', 'matrix']);
    } finally {
      await h.release();
    }
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`\\nError: 2 auto devices of matrix did not start: ${A}, ${B}\\n$`));
    // Once the holder is gone, a second boot run starts both; a device already running counts as up.
    assert.deepEqual(s.run('start-parent-mdevs', 'matrix'), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(s.host.activeUuids(), [A, B]);
    const again = s.run('start-parent-mdevs', 'matrix');
    assert.equal(again.status, 0, again.stderr);
  }));
