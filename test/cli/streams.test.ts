// How the programs end when their output cannot go anywhere, and what an installed copy or an
// unbuilt checkout shows: a stdout closed by its reader ends the run quietly (no EPIPE stack
// trace, status 141 like a SIGPIPE death, the command's work still done); stack traces name the
// bundle by its place in the package, never the build machine's path; a bin run before
// `npm run build` says so in one line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LSMDEV_BIN, MDEVCTL_BIN, REPO, mdevctl, tempDir } from '../helpers/cli.js';
import { simHost } from '../helpers/sim-host.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

/**
 * Runs a bin with its stdout a pipe whose reading end is already closed when the program starts
 * (a shell waits for a line on stdin before it execs the program; the line is sent once the
 * pipe's end here has closed).
 */
function withClosedStdout(root: string, bin: string, args: string[]): Promise<{ status: number | null; signal: string | null; stderr: string }> {
  const child = spawn('/bin/sh', ['-c', 'read go && exec "$0" "$@"', process.execPath, bin, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.on('close', () => child.stdin.end('go\n'));
  child.stdout.destroy();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}

test('a closed stdout: every command ends quietly with status 141, its work done', async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    assert.equal(mdevctl(h.root, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    for (const [bin, args] of [
      [MDEVCTL_BIN, ['list', '-d']],
      [MDEVCTL_BIN, ['list', '-d', '--dumpjson']],
      [MDEVCTL_BIN, ['types']],
      [MDEVCTL_BIN, ['--help']],
      [LSMDEV_BIN, ['-d']],
    ] as const) {
      const r = await withClosedStdout(h.root, bin, [...args]);
      assert.equal(r.stderr, '', `${args.join(' ')}: nothing on stderr`);
      assert.deepEqual([r.status, r.signal], [141, null], `${args.join(' ')}: status`);
    }
    // A command that changes the host finishes its work before the output is dropped.
    const fresh = tempDir();
    try {
      const r = await withClosedStdout(fresh.dir, MDEVCTL_BIN, ['install-system-files']);
      assert.equal(r.stderr, '');
      assert.equal(r.status, 141);
      assert.ok(existsSync(join(fresh.dir, 'usr/lib/udev/rules.d/60-mdevctl.rules')), 'the rule is installed');
    } finally {
      fresh.cleanup();
    }
    // Nothing to print: the closed stdout does not matter.
    const quiet = await withClosedStdout(h.root, MDEVCTL_BIN, ['modify', '-u', U, '--auto']);
    assert.deepEqual([quiet.status, quiet.stderr], [0, '']);
  } finally {
    h.cleanup();
  }
});

test('stack traces (MDEVCTL_LOG=debug) of a copy elsewhere name the bundle inside the package, not where it was built', () => {
  const copy = tempDir('mdevctl-installed-');
  const h = simHost({ parents: ['mtty'] });
  try {
    // The package's programs as installed: bin/ beside dist/bundle/ (bundle and code cache).
    cpSync(join(REPO, 'core/bin'), join(copy.dir, 'bin'), { recursive: true });
    cpSync(join(REPO, 'core/dist/bundle'), join(copy.dir, 'dist/bundle'), { recursive: true });
    assert.ok(existsSync(join(copy.dir, 'dist/bundle/mdevctl.cjs.cache')), 'the copy has the code cache');
    const r = spawnSync(process.execPath, [join(copy.dir, 'bin/mdevctl.js'), 'start', '-u', U], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: h.root, MDEVCTL_LOG: 'debug' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /\n\s+at .*\(mdevctl\/dist\/bundle\/mdevctl\.cjs:\d+:\d+\)/, r.stderr);
    assert.ok(!r.stderr.includes(REPO), `no path of the build: ${r.stderr}`);
  } finally {
    h.cleanup();
    copy.cleanup();
  }
});

test('a bin run before `npm run build`: one line saying to build, status 1', () => {
  const checkout = tempDir('mdevctl-unbuilt-');
  try {
    mkdirSync(join(checkout.dir, 'core'));
    cpSync(join(REPO, 'core/bin'), join(checkout.dir, 'core/bin'), { recursive: true });
    for (const bin of ['mdevctl.js', 'lsmdev.js']) {
      const r = spawnSync(process.execPath, [join(checkout.dir, 'core/bin', bin), 'list'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
      assert.equal(r.status, 1, `${bin}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const program = bin.replace(/\.js$/, '');
      assert.equal(r.stderr, `${program}: not built yet: run \`npm run build\` in ${checkout.dir} first\n`);
    }
  } finally {
    checkout.cleanup();
  }
});
