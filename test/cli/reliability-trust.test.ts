// Issue 15, items 1, 4 and 9: nothing an unprivileged user writes steers root, and every wait
// ends. mdevctl's lock and crash-recovery record live in ROOT/run/mdevctl (0700, this user's);
// what is planted in the world-writable run/lock is never read back as ours; a record or lock
// that is garbage, or that its named writer cannot have written, is refused or broken in one
// line; a definition dir swapped for a link out of the root mid-write never gets a file outside;
// a configuration file or plugin another user can write is refused when running as root.
// Unprivileged files are planted with setpriv as uid 65534 (the tests run as root in CI; the
// tests that need root skip otherwise). Every child has a hard timeout (no sleeps).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MDEVCTL_BIN, tempDir, type RunResult } from '../helpers/cli.js';
import { WARN, config } from '../helpers/expect.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { leftovers } from '../helpers/reliability.js';
import { inProcess } from '../helpers/packaging.js';
import { SDK_VERSION } from 'mdevctl';

const U = '5a4e3c2b-1d0f-4e8a-9b7c-6d5e4f3a2b01';
const U2 = '5a4e3c2b-1d0f-4e8a-9b7c-6d5e4f3a2b02';
const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;
const rootOnly = { skip: isRoot ? false : 'needs root (setpriv, chown)' };
/** A hard bound on every child: a hang fails the test instead of holding it. */
const HARD_TIMEOUT_MS = 20_000;

function run(root: string, args: string[], env: Record<string, string> = {}): RunResult & { timedOut: boolean } {
  const r = spawnSync(process.execPath, [MDEVCTL_BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root, ...env },
    encoding: 'utf8',
    input: '',
    timeout: HARD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: r.signal === 'SIGKILL' };
}

/** Runs a shell command as uid/gid 65534 with no groups. */
function asNobody(script: string, env: Record<string, string> = {}): void {
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sh', '-c', script], {
    env: { PATH: '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    timeout: HARD_TIMEOUT_MS,
  });
  assert.equal(r.status, 0, `as nobody: ${script}: ${r.stderr}`);
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid ?? 0;
}

function withSim(fn: (h: SimHost) => Promise<void> | void): Promise<void> {
  const h = simHost();
  return Promise.resolve()
    .then(() => fn(h))
    .finally(() => h.cleanup());
}

/** An intent record as mdevctl writes one: `undefine` of U with an auto config, which recovery would put back. */
function undefineRecord(pid: number, started?: string): string {
  const device = { uuid: U, parent: 'mtty', config: { mdev_type: 'mtty-1', start: 'auto', attrs: [] } };
  return `${JSON.stringify({ pid, ...(started !== undefined ? { started } : {}), action: 'undefine', live: false, defined: false, device, previous: device })}\n`;
}

const RUN_DIR = 'run/mdevctl';
const RECORD = `${RUN_DIR}/mdevctl.intent`;
const LOCK = `${RUN_DIR}/mdevctl.lock`;
/** A mutating command that changes nothing itself: it only takes the lock (and recovers). */
const NOOP = ['start-parent-mdevs', 'no-such-parent'];

/**
 * Where the item-4 garbage is planted: our dir, and the old place (run/lock), so that the same
 * test shows the hang of a build that still looks there. Files in run/lock are not ours: left alone.
 */
const PLANT_DIRS = [RUN_DIR, 'run/lock'];

function ours(root: string): string[] {
  return leftovers(root).filter((f) => !f.startsWith('run/lock/'));
}

/** Lines of stderr: one warning, matching `re`. */
function oneWarning(stderr: string, re: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line: ${stderr}`);
  assert.match(stderr, WARN);
  assert.match(lines[0] ?? '', re);
}

// ---------------------------------------------------------------------------------------------
// 1. No trust in world-writable places

test('a record planted in the world-writable run/lock by another user steers nothing', rootOnly, () =>
  withSim((h) => {
    chmodSync(h.root, 0o755);
    mkdirSync(h.path('run/lock'), { recursive: true });
    chmodSync(h.path('run/lock'), 0o1777); // as on Debian and Ubuntu
    asNobody(`printf '%s' "$REC" > "$R/run/lock/mdevctl.intent" && ln -s "$R/etc/mdevctl.d" "$R/run/lock/mdevctl.lock"`, {
      R: h.root,
      REC: undefineRecord(deadPid()),
    });
    const r = run(h.root, NOOP);
    assert.deepEqual([r.status, r.stderr], [0, ''], 'nothing recovered, nothing said');
    assert.equal(existsSync(h.path(`etc/mdevctl.d/mtty/${U}`)), false, 'no definition written from the planted record');
    assert.equal(lstatSync(h.path('run/lock/mdevctl.intent')).uid, NOBODY, "the planted file is not ours: left alone");
    const dir = statSync(h.path(RUN_DIR));
    assert.deepEqual([dir.isDirectory(), dir.uid, dir.mode & 0o7777], [true, 0, 0o700]);
  }));

test('run/mdevctl that is a link, another user\'s, open to others, or in a run dir anyone can rename in: refused in one line', rootOnly, () =>
  withSim((h) => {
    const other = tempDir('mdevctl-elsewhere-');
    try {
      const cases: Array<[string, () => void, RegExp]> = [
        ['a link', () => symlinkSync(other.dir, h.path(RUN_DIR)), /run\/mdevctl: it is a symbolic link;/],
        ['owned by nobody', () => { mkdirSync(h.path(RUN_DIR), { mode: 0o700 }); chownSync(h.path(RUN_DIR), NOBODY, NOBODY); }, /run\/mdevctl: it is owned by uid 65534, not by this user \(uid 0\);/],
        ['mode 0777', () => { mkdirSync(h.path(RUN_DIR)); chmodSync(h.path(RUN_DIR), 0o777); }, /run\/mdevctl: it has mode 0777, not 0700;/],
        ['run/ writable by all, not sticky', () => chmodSync(h.path('run'), 0o777), /\/run: it is writable by every user and not sticky;/],
      ];
      for (const [what, plant, re] of cases) {
        spawnSync('rm', ['-rf', h.path(RUN_DIR)]);
        chmodSync(h.path('run'), 0o755);
        plant();
        const r = run(h.root, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1']);
        assert.equal(r.status, 1, what);
        assert.match(r.stderr, /^Error: Refusing to use \S+/, what);
        assert.match(r.stderr, re, what);
        assert.equal(r.stderr.split('\n').length, 2, `${what}: one line`);
        assert.equal(existsSync(h.path(`etc/mdevctl.d/mtty/${U}`)), false, `${what}: nothing defined`);
        assert.deepEqual(readdirSync(other.dir), [], `${what}: nothing written through the link`);
      }
    } finally {
      other.cleanup();
    }
  }));

test('a record another user owns, or whose writer is still running, is refused in one line and acts on nothing', rootOnly, () =>
  withSim(async (h) => {
    mkdirSync(h.path(RUN_DIR), { recursive: true, mode: 0o700 });
    // Owned by another user (it cannot have been written by a command of ours).
    writeFileSync(h.path(RECORD), undefineRecord(deadPid()));
    chownSync(h.path(RECORD), NOBODY, NOBODY);
    let r = run(h.root, NOOP);
    assert.equal(r.status, 0);
    oneWarning(r.stderr, /Ignoring the unusable record .*mdevctl\.intent of an interrupted command: it is owned by uid 65534, not 0$/);
    assert.equal(existsSync(h.path(`etc/mdevctl.d/mtty/${U}`)), false);
    assert.deepEqual(leftovers(h.root), []);

    // Naming a live process with its real start time: its writer is not dead, nothing was interrupted.
    const live = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const stat = readFileSync(`/proc/${live.pid}/stat`, 'latin1');
      const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
      writeFileSync(h.path(RECORD), undefineRecord(live.pid ?? 0, started));
      r = run(h.root, NOOP);
      assert.equal(r.status, 0);
      oneWarning(r.stderr, new RegExp(`its writer, pid ${live.pid}, is still running$`));
      assert.equal(existsSync(h.path(`etc/mdevctl.d/mtty/${U}`)), false);
      // The same pid with another start time is a recycled pid: the record is a dead command's.
      writeFileSync(h.path(RECORD), undefineRecord(live.pid ?? 0, String(Number(started) + 1)));
      r = run(h.root, NOOP);
      assert.equal(r.status, 0);
      oneWarning(r.stderr, /Recovered from an interrupted 'undefine' .*: put the definition back$/);
      assert.equal(readFileSync(h.path(`etc/mdevctl.d/mtty/${U}`), 'utf8'), config('mtty-1', 'auto'));
    } finally {
      live.kill('SIGKILL');
    }
  }));

// ---------------------------------------------------------------------------------------------
// 4. Every wait ends

test('a stale lock with a .break file naming a live pid: MDEVCTL_LOCK_WAIT=0 fails at once, a longer wait breaks it', () =>
  withSim((h) => {
    mkdirSync(h.path(RUN_DIR), { recursive: true, mode: 0o700 });
    for (const dir of PLANT_DIRS) {
      writeFileSync(h.path(`${dir}/mdevctl.lock`), `${deadPid()}\n`);
      writeFileSync(h.path(`${dir}/mdevctl.lock.break`), `${process.pid}\n`); // this test process: alive
    }
    let r = run(h.root, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], { MDEVCTL_LOCK_WAIT: '0' });
    assert.equal(r.timedOut, false, 'the wait ended');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^Error: Another mdevctl command \(pid \d+\) holds .*mdevctl\.lock; gave up after 0s/);
    // A breaker holds its lock for microseconds: one older than 2 s is stale whatever it names.
    r = run(h.root, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], { MDEVCTL_LOCK_WAIT: '10' });
    assert.equal(r.timedOut, false);
    // The wait outlasts a second: at most the one notice of what it waits for, nothing else.
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^(\[[^\]]+ WARN {2}mdevctl\] Waiting for \S+\/mdevctl\.lock, held by [^\n]*\n)?$/);
    assert.deepEqual(ours(h.root), []);
  }));

test('a lock that is garbage (pid out of range, 3.7, 12abc, a dangling link, a fifo, a dir) is stale: broken with one warning', () =>
  withSim((h) => {
    mkdirSync(h.path(RUN_DIR), { recursive: true, mode: 0o700 });
    const cases: Array<[string, (lock: string) => void, RegExp]> = [
      ['out of range', (lock) => writeFileSync(lock, '99999999999\n'), /does not hold one pid/],
      ['4194305', (lock) => writeFileSync(lock, '4194305\n'), /pid 4194305 is out of range/],
      ['3.7', (lock) => writeFileSync(lock, '3.7\n'), /does not hold one pid \("3\.7\\n"\)/],
      ['12abc', (lock) => writeFileSync(lock, '12abc'), /does not hold one pid \("12abc"\)/],
      ['a dangling link', (lock) => symlinkSync('/nonexistent/lock', lock), /it is a symbolic link/],
      ['a fifo', (lock) => assert.equal(spawnSync('mkfifo', [lock]).status, 0), /it is not a regular file/],
      ['a dir', (lock) => mkdirSync(lock), /it is not a regular file/],
    ];
    for (const [what, plant, re] of cases) {
      for (const dir of PLANT_DIRS) {
        spawnSync('rm', ['-rf', h.path(`${dir}/mdevctl.lock`)]);
        plant(h.path(`${dir}/mdevctl.lock`));
      }
      const r = run(h.root, NOOP, { MDEVCTL_LOCK_WAIT: '0' });
      assert.equal(r.timedOut, false, `${what}: the wait ended`);
      assert.equal(r.status, 0, `${what}: ${r.stderr}`);
      oneWarning(r.stderr, new RegExp(`Breaking the unusable lock .*mdevctl\\.lock: (it )?${re.source}`));
      assert.deepEqual(ours(h.root), [], what);
      assert.deepEqual(run(h.root, NOOP, { MDEVCTL_LOCK_WAIT: '0' }), { status: 0, stdout: '', stderr: '', timedOut: false }, `${what}: gone for good`);
    }
  }));

test('a fifo, a dir or a 3 GB sparse file in the record\'s place: one warning, removed, the next command is clean', () =>
  withSim((h) => {
    mkdirSync(h.path(RUN_DIR), { recursive: true, mode: 0o700 });
    const cases: Array<[string, (record: string) => void, RegExp]> = [
      ['a fifo', (rec) => assert.equal(spawnSync('mkfifo', [rec]).status, 0), /it is not a regular file$/],
      ['a dir with a file in it', (rec) => { mkdirSync(rec); writeFileSync(`${rec}/x`, 'x'); }, /it is not a regular file$/],
      ['3 GB', (rec) => { writeFileSync(rec, '{'); truncateSync(rec, 3 * 1024 ** 3); }, /it is 3221225472 bytes long \(at most \d+\)$/],
      ['a dangling link', (rec) => symlinkSync('/nonexistent/record', rec), /it is a symbolic link$/],
    ];
    for (const [what, plant, re] of cases) {
      spawnSync('rm', ['-rf', h.path(RUN_DIR), h.path('run/lock/mdevctl.intent')]);
      mkdirSync(h.path(RUN_DIR), { mode: 0o700 });
      for (const dir of PLANT_DIRS) plant(h.path(`${dir}/mdevctl.intent`));
      const r = run(h.root, ['define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1']);
      assert.equal(r.timedOut, false, `${what}: ended`);
      assert.equal(r.status, 0, `${what}: ${r.stderr}`);
      oneWarning(r.stderr, new RegExp(`Ignoring the unusable record .*mdevctl\\.intent of an interrupted command: ${re.source}`));
      assert.equal(existsSync(h.path(RECORD)), false, `${what}: removed`);
      assert.deepEqual(run(h.root, ['undefine', '-u', U2]), { status: 0, stdout: '', stderr: '', timedOut: false }, `${what}: the next command is clean`);
    }
    spawnSync('rm', ['-rf', h.path('run/lock/mdevctl.intent')]);
  }));

// ---------------------------------------------------------------------------------------------
// 9. Confinement

test('a definition dir swapped between a link inside and a link outside the root during defines: nothing lands outside', () =>
  withSim(async (h) => {
    const out = tempDir('mdevctl-outside-');
    const defs = h.path('etc/mdevctl.d');
    mkdirSync(join(defs, '.real'));
    symlinkSync(join(defs, '.real'), join(defs, 'racy'));
    const stop = join(out.dir, 'stop');
    // The attacker: flips etc/mdevctl.d/racy between the two targets with atomic renames.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const [link, inside, outside, stop] = process.argv.slice(1); const t0 = Date.now();
         for (let i = 0; !fs.existsSync(stop) && Date.now() - t0 < 60000; i++) {
           const tmp = link + '.t'; try { fs.unlinkSync(tmp); } catch {}
           fs.symlinkSync(i % 2 ? inside : outside, tmp); fs.renameSync(tmp, link);
         }`,
        join(defs, 'racy'),
        join(defs, '.real'),
        join(out.dir, 'target'),
        stop,
      ],
      { stdio: 'ignore' },
    );
    mkdirSync(join(out.dir, 'target'));
    try {
      let written = 0;
      let refused = 0;
      for (let i = 0; i < 150; i++) {
        const uuid = `5a4e3c2b-1d0f-4e8a-9b7c-${String(i).padStart(12, '0')}`;
        const r = await inProcess(h.root, ['define', '-u', uuid, '-p', 'racy', '-t', 'mtty-1']);
        if (r.status === 0) written++;
        else {
          refused++;
          assert.match(r.stderr, /leads outside the environment root|No such file or directory/);
        }
        assert.deepEqual(readdirSync(join(out.dir, 'target')), [], `define ${i}: nothing outside the root`);
      }
      assert.ok(written > 0 && refused > 0, `the race was run (${written} written, ${refused} refused)`);
      assert.equal(readdirSync(join(defs, '.real')).filter((n) => !n.startsWith('.')).length, written, 'every define that succeeded is inside');
    } finally {
      writeFileSync(stop, '');
      swapper.kill('SIGKILL');
      out.cleanup();
    }
  }));

test('as root, a configuration file or plugin another user owns or can write is refused in one line unless MDEVCTL_ALLOW_UNSAFE_FILES=1', rootOnly, () =>
  withSim((h) => {
    const cfg = h.path('etc/mdevctl.d/mdevctl.config.json');
    writeFileSync(cfg, '{}\n');
    assert.equal(run(h.root, ['list']).status, 0, 'a root-owned 0644 file is fine');
    chownSync(cfg, NOBODY, NOBODY);
    let r = run(h.root, ['list']);
    assert.deepEqual([r.status, r.stdout], [1, '']);
    assert.equal(r.stderr, `Error: Refusing to load the configuration file ${cfg} as root: ${cfg} is owned by uid 65534, not root (MDEVCTL_ALLOW_UNSAFE_FILES=1 allows it)\n`);
    assert.equal(run(h.root, ['list'], { MDEVCTL_ALLOW_UNSAFE_FILES: '1' }).status, 0, 'the setting allows it');
    chownSync(cfg, 0, 0);
    chmodSync(cfg, 0o666);
    r = run(h.root, ['list']);
    assert.match(r.stderr, /^Error: Refusing to load the configuration file .* is writable by every user \(MDEVCTL_ALLOW_UNSAFE_FILES=1 allows it\)\n$/);
    chmodSync(cfg, 0o644);

    // A plugin module in a dir another user can write (who could swap the module).
    const dir = h.path('etc/mdevctl.d/plugins');
    mkdirSync(dir);
    const plugin = join(dir, 'p.mjs');
    writeFileSync(plugin, `export default { name: 'p', sdkVersion: ${JSON.stringify(SDK_VERSION)}, apply() {} };\n`);
    writeFileSync(cfg, JSON.stringify({ plugins: { './plugins/p.mjs': true } }));
    r = run(h.root, ['list']);
    assert.equal(r.status, 0, r.stderr);
    chmodSync(dir, 0o777);
    r = run(h.root, ['list']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `Error: Refusing to load the plugin ./plugins/p.mjs at ${plugin} as root: ${dir} is writable by every user (MDEVCTL_ALLOW_UNSAFE_FILES=1 allows it)\n`);
  }));
