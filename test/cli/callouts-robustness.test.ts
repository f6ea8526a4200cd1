// Black-box: scripts that misbehave — hang past the timeout (MDEVCTL_CALLOUT_TIMEOUT_MS), cannot
// be run (not executable, missing interpreter), do not read their stdin, or sit next to a
// directory — are reported clearly and never crash mdevctl.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { USR_CALLOUTS, withScripts } from '../helpers/callout-scripts.js';
import { WARN } from '../helpers/expect.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const FAST = { MDEVCTL_CALLOUT_TIMEOUT_MS: '300' };

/** A script body that hangs on the given event, leaving a child (sleep) whose pid it records. */
function hangOn(event: string): string {
  return `if [ "$event" = ${event} ]; then sleep 60 & echo $! > "\${0}.sleep-pid"; wait; fi; exit 0`;
}

/** True when the process is gone (or a zombie waiting to be reaped). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '');
}

test('a pre call-out that hangs is killed after the timeout, with its children, and the command fails clearly', () => {
  withScripts((s) => {
    const script = s.callout('10-hang', hangOn('pre'));
    s.notifier('n1', 'exit 0');
    const r = s.runWith(FAST, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1']);
    assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${script}' timed out after 300 ms and was killed\n` });
    assert.equal(s.host.exists(`etc/mdevctl.d/mtty/${U}`), false);
    assert.deepEqual(s.trace(), ['10-hang get capabilities none', '10-hang pre define none', 'n1 notify define none']);
    const pid = Number(readFileSync(`${script}.sleep-pid`, 'utf8'));
    assert.ok(gone(pid), `the script's child ${pid} was killed too`);
  });
});

test('--force goes on past a hung pre; the hung script is not run again in that command', () => {
  withScripts((s) => {
    const script = s.callout('10-hang', hangOn('pre'));
    const r = s.runWith(FAST, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1', '--force']);
    assert.equal(r.status, 0, r.stderr);
    const lines = warnings(r.stderr);
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', WARN);
    assert.ok(
      (lines[0] ?? '').endsWith(
        `Forcing operation 'define' despite callout failure. Error was: Script '${script}' timed out after 300 ms and was killed`,
      ),
    );
    // post goes to the same script, which is not waited for a second time
    assert.match(lines[1] ?? '', WARN);
    assert.ok((lines[1] ?? '').includes(`Script '${script}' timed out after 300 ms and was killed earlier; not run again`), r.stderr);
    assert.equal(s.host.exists(`etc/mdevctl.d/mtty/${U}`), true);
    assert.deepEqual(s.trace(), ['10-hang get capabilities none', '10-hang pre define none']);
  });
});

test('a hung post call-out or notifier is killed and warned about; the command still succeeds and later notifiers run', () => {
  withScripts((s) => {
    const post = s.callout('10-slow-post', hangOn('post'));
    const n1 = s.notifier('n1', hangOn('notify'));
    s.notifier('n2', 'exit 0');
    const r = s.runWith(FAST, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1']);
    assert.equal(r.status, 0);
    const lines = warnings(r.stderr);
    assert.equal(lines.length, 2, r.stderr);
    assert.ok((lines[0] ?? '').endsWith(`Script '${post}' timed out after 300 ms and was killed`), r.stderr);
    assert.ok((lines[1] ?? '').endsWith(`Notifier script '${n1}' timed out after 300 ms and was killed`), r.stderr);
    assert.equal(s.host.exists(`etc/mdevctl.d/mtty/${U}`), true);
    assert.deepEqual(s.trace(), [
      '10-slow-post get capabilities none',
      '10-slow-post pre define none',
      '10-slow-post post define success',
      'n1 notify define success',
      'n2 notify define success',
    ]);
  });
});

test('a capabilities probe that hangs: warned about, the script is not used, and not waited for again', () => {
  withScripts((s) => {
    const script = s.callout('10-hang', hangOn('get'));
    s.callout('20-ok', 'exit 0');
    const r = s.runWith(FAST, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1']);
    // pre reaches 10-hang first: it broke in this command, so that is a failure at once.
    assert.equal(r.status, 1);
    const lines = warnings(r.stderr);
    assert.equal(lines.length, 2, r.stderr);
    assert.ok(
      (lines[0] ?? '').endsWith(`Call-out script '${script}' timed out after 300 ms and was killed (get capabilities); it is not used for mtty/mtty-1`),
      r.stderr,
    );
    assert.equal(lines[1], `Error: Script '${script}' timed out after 300 ms and was killed earlier; not run again`);
    assert.deepEqual(s.trace(), ['10-hang get capabilities none', '20-ok get capabilities none']);
  });
});

test('a script that is not executable, or whose interpreter is missing, is reported once by name and skipped', () => {
  withScripts((s) => {
    const noexec = s.callout('10-noexec', 'exit 1', { mode: 0o644 });
    const badInterp = join(s.root, USR_CALLOUTS, '15-bad-interpreter');
    writeFileSync(badInterp, '#!/no/such/shell\nexit 1\n', { mode: 0o755 });
    const dangling = join(s.root, USR_CALLOUTS, '17-dangling');
    symlinkSync('/no/such/file', dangling);
    s.callout('20-ok', 'exit 0');
    const notifier = s.notifier('n0', 'exit 0', { mode: 0o600 });
    s.notifier('n1', 'exit 0');
    const r = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.equal(r.status, 0, r.stderr);
    const lines = warnings(r.stderr);
    assert.ok(lines.every((l) => WARN.test(l)), r.stderr);
    assert.deepEqual(
      lines.map((l) => l.replace(WARN, '')),
      [
        `Skipping script '${noexec}': it is not executable (EACCES)`,
        `Skipping script '${badInterp}': it or its interpreter does not exist (ENOENT)`,
        `Skipping script '${dangling}': it or its interpreter does not exist (ENOENT)`,
        `Skipping script '${notifier}': it is not executable (EACCES)`,
      ],
    );
    assert.deepEqual(s.trace(), [
      '20-ok get capabilities none',
      '20-ok pre define none',
      '20-ok post define success',
      'n1 notify define success',
    ]);
    assert.equal(s.host.exists(`etc/mdevctl.d/mtty/${U}`), true);
  });
});

test('a script that exits without reading a large config on stdin is fine (a closed pipe is no error)', () => {
  withScripts((s) => {
    const attrs = Array.from({ length: 4000 }, (_, i) => ({ [`attribute_number_${i}`]: `value ${i}` }));
    const json = join(s.root, 'big.json');
    writeFileSync(json, JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs }));
    s.callout('10-deaf', 'exit 0', { readStdin: false });
    s.notifier('n1', 'exit 0', { readStdin: false });
    const r = s.run('define', '-u', U, '-p', 'mtty', '--jsonfile', json);
    assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(s.trace(), [
      '10-deaf get capabilities none',
      '10-deaf pre define none',
      '10-deaf post define success',
      'n1 notify define success',
    ]);
  });
});

test('directories in the script dirs are not scripts', () => {
  withScripts((s) => {
    mkdirSync(join(s.root, USR_CALLOUTS, '05-a-dir'));
    mkdirSync(join(s.root, 'usr/lib/mdevctl/scripts.d/notifiers/05-a-dir'));
    s.callout('10-ok', 'exit 0');
    const r = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
    assert.equal(s.trace().length, 3);
  });
});

test('a get-attributes script that hangs during list: the device is listed without attributes, the script is not waited for again', () => {
  withScripts((s) => {
    assert.equal(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    assert.equal(s.run('start', '-u', U2, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    const script = s.callout('10-hang', hangOn('get'));
    const r = s.runWith(FAST, ['list']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${U} mtty mtty-1 manual\n${U2} mtty mtty-1 manual\n`);
    const lines = warnings(r.stderr);
    assert.equal(lines.length, 3, r.stderr);
    assert.ok((lines[0] ?? '').endsWith('(get capabilities); it is not used for mtty/mtty-1'), r.stderr);
    assert.ok((lines[1] ?? '').endsWith(`Listing device ${U} without attributes: Script '${script}' timed out after 300 ms and was killed earlier; not run again`), r.stderr);
    assert.ok((lines[2] ?? '').endsWith(`Listing device ${U2} without attributes: Script '${script}' timed out after 300 ms and was killed earlier; not run again`), r.stderr);
    assert.deepEqual(s.trace(), ['10-hang get capabilities none']);
  });
});

test('MDEVCTL_CALLOUT_TIMEOUT_MS must be a whole number of milliseconds', () => {
  withScripts((s) => {
    for (const bad of ['abc', '0', '-5', '1.5', '99999999999']) {
      const r = s.runWith({ MDEVCTL_CALLOUT_TIMEOUT_MS: bad }, ['list']);
      assert.equal(r.status, 1, bad);
      const lines = r.stderr.split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0] ?? '', /^Error: /);
      assert.ok(
        (lines[0] ?? '').endsWith(`MDEVCTL_CALLOUT_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647, not '${bad}'`),
        r.stderr,
      );
    }
    assert.deepEqual(s.runWith({ MDEVCTL_CALLOUT_TIMEOUT_MS: '' }, ['list']), { status: 0, stdout: '', stderr: '' });
  });
});
