// The definitions lock (issue 6) against a second real process: an mdevctl command held inside
// its pre call-out (a script that waits on a fifo) holds ROOT/run/mdevctl/mdevctl.lock. Contenders
// fail at once with MDEVCTL_LOCK_WAIT=0, naming the holder, or wait and then go on when it lets
// go; reading commands take no lock; a lock whose holder was killed is broken.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MDEVCTL_BIN, launchBin, runBin, type RunResult } from '../helpers/cli.js';
import { WARN, fails, unchanged, withHost } from '../helpers/expect.js';
import { ScriptHost } from '../helpers/callout-scripts.js';
import { leftovers } from '../helpers/reliability.js';

const U1 = '0b1d2c3e-4f50-4a61-8b72-9c83d4e5f601';
const U2 = '0b1d2c3e-4f50-4a61-8b72-9c83d4e5f602';
const LOCK = 'run/mdevctl/mdevctl.lock';

function env(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root, ...extra };
}

function runSync(root: string, args: string[], extra: Record<string, string> = {}): RunResult {
  const r = spawnSync(process.execPath, [MDEVCTL_BIN, ...args], { env: env(root, extra), encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A host whose pre call-out, for `define` only, says "ready" on one fifo and then waits for a
 * line on another: the define holding it holds the lock until release().
 */
class HeldHost {
  readonly s = new ScriptHost();
  readonly ready = join(this.s.root, 'ready.fifo');
  readonly go = join(this.s.root, 'go.fifo');

  constructor() {
    for (const f of [this.ready, this.go]) assert.equal(spawnSync('mkfifo', [f]).status, 0, 'mkfifo');
    this.s.callout('10-hold', `[ "$event" = pre ] && [ "$action" = define ] || exit 2\necho ready > '${this.ready}'\nread line < '${this.go}'\nexit 0`);
  }

  get root(): string {
    return this.s.root;
  }

  /** Starts `define` and resolves once it is inside its pre call-out, holding the lock. */
  async hold(): Promise<ReturnType<typeof launchBin>> {
    const said = new Promise<void>((resolve, reject) => {
      createReadStream(this.ready).once('data', () => resolve()).once('error', reject);
    });
    const holder = launchBin(this.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1']);
    await said;
    return holder;
  }

  release(): Promise<void> {
    return writeFile(this.go, 'go\n');
  }

  cleanup(): void {
    this.s.cleanup();
  }
}

/** Runs `fn` on a fresh HeldHost, removed afterwards. */
async function withHeld(fn: (h: HeldHost) => Promise<void>): Promise<void> {
  const h = new HeldHost();
  try {
    await fn(h);
  } finally {
    h.cleanup();
  }
}

test('a command holding the lock: contenders fail at once with MDEVCTL_LOCK_WAIT=0; reads take no lock', () =>
  withHeld(async (h) => {
    const holder = await h.hold();
    assert.equal(readFileSync(join(h.root, LOCK), 'utf8').trim(), String(holder.pid), 'the holder pid is in the lock');

    for (const args of [['define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1'], ['start', '-p', 'mdpy', '-t', 'mdpy-vga'], ['undefine', '-u', U1]]) {
      const r = runSync(h.root, args, { MDEVCTL_LOCK_WAIT: '0' });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `Error: Another mdevctl command (pid ${holder.pid}) holds ${join(h.root, LOCK)}; gave up after 0s (MDEVCTL_LOCK_WAIT=0)\n`,
      );
    }
    // Reading commands do not wait for it.
    for (const args of [['list'], ['list', '-d'], ['types', '-p', 'mtty'], ['list', '--dumpjson']]) {
      const r = runSync(h.root, args, { MDEVCTL_LOCK_WAIT: '0' });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
    }
    await h.release();
    assert.deepEqual(await holder.result, { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(leftovers(h.root), [], 'the lock is gone with its holder');
  }));

test('a contender waits for the lock (bounded) and goes on once the holder lets go', () =>
  withHeld(async (h) => {
    const holder = await h.hold();
    const contender = launchBin(h.root, ['start', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga'], { MDEVCTL_LOG: 'debug' });
    // It says (at debug level) that it waits, and for whom; only then is the holder released.
    await new Promise<void>((resolve) => {
      let seen = '';
      contender.stderr.on('data', (d: string) => {
        seen += d;
        if (seen.includes('Waiting up to 120s for')) resolve();
      });
    });
    assert.ok(!existsSync(join(h.root, 'sys/bus/mdev/devices', U2)), 'the contender has not started anything yet');
    await h.release();
    assert.equal((await holder.result).status, 0);
    const r = await contender.result;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`held by pid ${holder.pid}\\n`));
    assert.ok(existsSync(join(h.root, 'etc/mdevctl.d/mtty', U1)) && existsSync(join(h.root, 'sys/bus/mdev/devices', U2)));
    assert.deepEqual(leftovers(h.root), []);
  }));

test('a wait longer than a second says once on stderr what it waits for: the lock, the holder pid and its command', () =>
  withHeld(async (h) => {
    const holder = await h.hold();
    // a bound of 10s: a build that never says it waits fails instead of waiting 120s
    const contender = launchBin(h.root, ['start', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga'], { MDEVCTL_LOCK_WAIT: '10' });
    await new Promise<void>((resolve) => {
      let seen = '';
      contender.stderr.on('data', (d: string) => {
        seen += d;
        if (seen.includes('\n')) resolve();
      });
      contender.once('close', () => resolve());
    });
    await h.release();
    assert.equal((await holder.result).status, 0);
    const r = await contender.result;
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', WARN);
    assert.ok(lines[0]?.includes(`Waiting for ${join(h.root, LOCK)}, held by pid ${holder.pid} (`), r.stderr);
    assert.ok(lines[0]?.includes(`mdevctl.js define -u ${U1} -p mtty -t mtty-1); up to 10s (MDEVCTL_LOCK_WAIT)`), r.stderr);
    assert.ok(existsSync(join(h.root, 'sys/bus/mdev/devices', U2)));
  }));

test('the lock of a holder killed with SIGKILL is broken by the next command, even with MDEVCTL_LOCK_WAIT=0', () =>
  withHeld(async (h) => {
    const holder = await h.hold();
    holder.kill('SIGKILL');
    await holder.result;
    await h.release(); // lets the orphaned call-out script end
    assert.equal(readFileSync(join(h.root, LOCK), 'utf8').trim(), String(holder.pid), 'the dead holder left its lock');
    const r = runSync(h.root, ['start', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga'], { MDEVCTL_LOCK_WAIT: '0' });
    assert.deepEqual(r, { status: 0, stdout: '', stderr: '' }, 'killed in pre: nothing to recover, the lock is just taken');
    assert.ok(!existsSync(join(h.root, 'etc/mdevctl.d/mtty', U1)), 'the killed define wrote nothing');
    assert.deepEqual(leftovers(h.root), []);
  }));

test('a lock file without a pid is garbage: broken at once, with one warning, even with MDEVCTL_LOCK_WAIT=0', () =>
  withHeld(async (h) => {
    const lock = join(h.root, LOCK);
    mkdirSync(join(h.root, 'run/mdevctl'), { recursive: true, mode: 0o700 });
    writeFileSync(lock, '');
    const r = runSync(h.root, ['start', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga'], { MDEVCTL_LOCK_WAIT: '0' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, WARN);
    assert.match(r.stderr, /^[^\n]*\] Breaking the unusable lock .*mdevctl\.lock: it does not hold one pid \(""\)\n$/);
    assert.deepEqual(leftovers(h.root), []);
  }));

test('a bad MDEVCTL_LOCK_WAIT refuses a mutating command with one line, before anything is written; reading commands ignore it', () => {
  withHost((h) => {
    for (const bad of ['abc', '-1', 'Infinity']) {
      unchanged(h, () =>
        fails(
          runBin(h.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'], { env: { MDEVCTL_LOCK_WAIT: bad } }),
          1,
          `Error: MDEVCTL_LOCK_WAIT must be a number of seconds (0 or more), not ${JSON.stringify(bad)}\n`,
        ),
      );
    }
    assert.equal(runBin(h.root, ['list', '-d'], { env: { MDEVCTL_LOCK_WAIT: 'abc' } }).status, 0);
    assert.equal(runBin(h.root, ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'], { env: { MDEVCTL_LOCK_WAIT: ' 5 ' } }).status, 0);
  });
});
