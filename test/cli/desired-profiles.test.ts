// Desired state, round two (issue 25, issue 23 items 5 and 6) on the simulated host: a profile
// switch in one `apply --prune`; diff and assert run apply's whole-plan check; the projected host
// knows the attributes of devices the plan starts; running devices restart on an attribute
// change; ownership holds under record edits; --json on every outcome; active/start rules; the
// record's bounds, owner and mode; escaping, FIFOs, lone surrogates, temp dirs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v5 } from 'uuid';
import { mdevctl, runBin } from '../helpers/cli.js';
import { run, unchanged, withHost } from '../helpers/expect.js';
import { desiredFile, namespaceOf, planOf, running, uuidOf } from '../helpers/desired.js';
import type { SimHost } from '../helpers/sim-host.js';

const CARDS = { parents: ['0000:41:00.0', '0000:42:00.0'] };

/** The namespace of file `name` of profile `profile` (as documented). */
function profileUuid(profile: string, name: string, key: string): string {
  const p = v5(profile, v5('desired-profile.mdevctl', v5.DNS));
  return v5(key, v5(name, p));
}

function recordPath(h: SimHost, namespace: string): string {
  return h.path(`var/lib/mdevctl/desired/${namespace}.json`);
}

test('profiles: vdi -> compute -> none -> vdi, each one apply --prune, each second run no change', () => {
  withHost((h) => {
    const vdi = desiredFile(h, 'profile: gpu\nname: vdi\nrequests:\n  - {name: desktops, typeName: SIM-1Q, count: 16, parents: {driver: nvidia}, placement: one-type-per-parent}\n', 'vdi.yaml');
    const compute = desiredFile(h, 'profile: gpu\nname: compute\nrequests:\n  - {name: workers, typeName: SIM-4Q, count: 2, parents: {driver: nvidia}, placement: pack}\n', 'compute.yaml');
    const none = desiredFile(h, 'profile: gpu\nname: none\n', 'none.yaml');
    const step = (file: string) => {
      const first = planOf(h, ['apply', '--prune', file]);
      assert.equal(first.changed, true);
      assert.deepEqual(planOf(h, ['apply', '--prune', file]), { changed: false, actions: [] });
      return first;
    };
    step(vdi);
    assert.equal(running(h).length, 16);
    // The switch: the 16 outgoing devices stop and go first, in the same plan; the cards are then empty.
    const sw = step(compute);
    assert.deepEqual(sw.actions.slice(0, 32).map((a) => a.action), [...Array(16).fill('stop'), ...Array(16).fill('undefine')]);
    assert.ok(sw.actions.slice(0, 32).every((a) => a.for === 'prune'));
    assert.deepEqual(running(h), [0, 1].map((i) => `${profileUuid('gpu', 'compute', `request/workers/${i}`)} 0000:41:00.0 nvidia-4`).sort());
    step(none);
    assert.deepEqual(running(h), []);
    assert.deepEqual(h.definitions('0000:41:00.0'), []);
    step(vdi);
    assert.equal(running(h).length, 16);
    // A switch that does not fit is refused whole: nothing is stopped, written or undefined.
    const big = desiredFile(h, 'profile: gpu\nname: big\nrequests:\n  - {name: w, typeName: SIM-4Q, count: 5, parents: {driver: nvidia}}\n', 'big.yaml');
    unchanged(h, () => {
      const r = mdevctl(h.root, 'apply', '--prune', big);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^Error: No room for request w #4 /);
    });
    // A profile's file has a name and no namespace of its own.
    const bad = desiredFile(h, 'profile: gpu\nnamespace: 9d5c1a0e-0000-4000-8000-000000000000\nname: x\n', 'bad.yaml');
    assert.match(mdevctl(h.root, 'diff', bad).stderr, /:1: namespace: a file of a profile takes its namespace from the profile/);
  }, CARDS);
});

const SHARED_QUEUE = `name: ap
devices:
  - {name: g1, parent: matrix, type: vfio_ap-passthrough, start: manual, attrs: [{assign_adapter: "6"}, {assign_domain: "4"}]}
  - {name: g2, parent: matrix, type: vfio_ap-passthrough, start: manual, attrs: [{assign_adapter: "6"}, {assign_domain: "4"}]}
`;

test('diff = apply --dry-run = assert: the same whole-plan check; devices the plan starts conflict whatever their start policy', () => {
  withHost((h) => {
    const file = desiredFile(h, SHARED_QUEUE);
    const calls = join(h.root, 'callouts.log');
    const dir = h.path('usr/lib/mdevctl/scripts.d/callouts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'log'), `#!/bin/sh\necho "$*" >> '${calls}'\nexit 0\n`, { mode: 0o755 });
    const [g1, g2] = [uuidOf('ap', 'device/g1'), uuidOf('ap', 'device/g2')];
    unchanged(h, () => {
      const apply = mdevctl(h.root, 'apply', file);
      const dry = mdevctl(h.root, 'apply', '--dry-run', file);
      const diff = mdevctl(h.root, 'diff', file);
      for (const r of [apply, dry, diff]) {
        assert.equal(r.status, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, new RegExp(`Error: matrix/${g1} \\(device g1\\): APQN 06\\.0004 is already in use by running device ${g2}\\n`));
        assert.equal(r.stderr, apply.stderr);
      }
      const as = mdevctl(h.root, 'assert', '--json', file);
      assert.equal(as.status, 3, 'could not check: not drift');
      const j = JSON.parse(as.stdout) as { changed: boolean; actions: unknown[]; error: string };
      assert.equal(j.changed, false);
      assert.equal(j.actions.length, 4);
      assert.equal(j.error, as.stderr.trimEnd().split('\n').map((l) => l.replace(/^Error: /, '')).join('\n'));
      const dj = mdevctl(h.root, 'diff', '--json', file);
      assert.equal(dj.status, 1);
      assert.equal((JSON.parse(dj.stdout) as { error: string }).error, j.error);
    });
    assert.equal(existsSync(calls), false, 'no call-out ran');
  });
});

test('changes of running devices: attributes restart the device; a start-policy change only modifies the definition', () => {
  withHost((h) => {
    const text = (domain: string, start: string) =>
      `name: ap\ndevices:\n  - {name: g1, parent: matrix, type: vfio_ap-passthrough, start: ${start}, attrs: [{assign_adapter: "5"}, {assign_domain: "${domain}"}]}\n`;
    const file = desiredFile(h, text('4', 'auto'));
    planOf(h, ['apply', file]);
    const g1 = uuidOf('ap', 'device/g1');
    assert.equal(h.read(`sys/bus/mdev/devices/${g1}/matrix`).trim(), '05.0004');
    writeFileSync(file, text('6', 'auto'));
    assert.deepEqual(planOf(h, ['diff', file]).actions.map((a) => `${a.action} ${a.detail ?? ''}`), ['stop restarts with the new definition', 'modify attrs', 'start ']);
    planOf(h, ['apply', file]);
    assert.equal(h.read(`sys/bus/mdev/devices/${g1}/matrix`).trim(), '05.0006');
    writeFileSync(file, text('6', 'manual'));
    assert.deepEqual(planOf(h, ['apply', file]).actions.map((a) => `${a.action} ${a.detail ?? ''}`), ['modify start auto -> manual']);
    assert.deepEqual(h.activeUuids(), [g1]);
  });
});

test('ownership: prune removes only what the file derives; a taken-over uuid is released; record edits never widen prune; a failed apply leaves the record byte-identical', () => {
  withHost((h) => {
    const other = '11111111-2222-4333-8444-555555555555';
    const taken = '22222222-2222-4333-8444-555555555555';
    run(h, 'define', '-u', other, '-p', 'mdpy', '-t', 'mdpy-vga');
    run(h, 'define', '-u', taken, '-p', 'mdpy', '-t', 'mdpy-vga');
    const file = desiredFile(h, `name: lab\ndevices:\n  - {uuid: ${taken}, parent: mdpy, type: mdpy-vga}\n  - {name: a, parent: mdpy, type: mdpy-xga}\n`);
    planOf(h, ['apply', file]);
    const rec = recordPath(h, namespaceOf('lab'));
    // A hand edit adds the other device, by uuid key and by a key that does not derive to it.
    const edited = JSON.parse(readFileSync(rec, 'utf8')) as { devices: Array<Record<string, string>> };
    edited.devices.push({ key: `uuid/${other}`, uuid: other, parent: 'mdpy' }, { key: 'device/zzz', uuid: other, parent: 'mdpy' });
    writeFileSync(rec, JSON.stringify(edited));
    writeFileSync(file, 'name: lab\n');
    const pruned = planOf(h, ['apply', '--prune', file]);
    const a = uuidOf('lab', 'device/a');
    assert.deepEqual(pruned.actions.map((x) => `${x.action} ${x.uuid}`), [`stop ${a}`, `undefine ${a}`]);
    assert.deepEqual(h.definitions('mdpy').sort(), [other, taken].sort(), 'the taken-over device is released, the other untouched');
    assert.ok(h.activeUuids().includes(taken));
    assert.equal(existsSync(rec), false, 'the released device is forgotten');

    // A failed apply puts the record back byte for byte (a hand-formatted one included).
    writeFileSync(file, `name: lab\ndevices:\n  - {name: a, parent: mdpy, type: mdpy-xga}\n  - {name: b, parent: mtty, type: mtty-1}\n`);
    planOf(h, ['apply', file]);
    const bytes = `${readFileSync(rec, 'utf8').replace(/\n/g, '\n\n')}   `;
    writeFileSync(rec, bytes);
    writeFileSync(file, `name: lab\ndevices:\n  - {name: a, parent: mdpy, type: mdpy-xga}\n  - {name: b, parent: mtty, type: mtty-1}\n  - {name: c, parent: mdpy, type: mdpy-hd}\n`);
    const dir = h.path('usr/lib/mdevctl/scripts.d/callouts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'refuse'), `#!/bin/sh\ncase "$*" in *"-e pre -a start"*) exit 1;; esac\nexit 0\n`, { mode: 0o755 });
    const r = mdevctl(h.root, 'apply', '--json', file);
    assert.equal(r.status, 1);
    assert.equal(readFileSync(rec, 'utf8'), bytes);
    const j = JSON.parse(r.stdout) as { changed: boolean; actions: unknown[]; error: string };
    assert.equal(j.changed, false);
    assert.equal(j.actions.length, 2);
    assert.match(j.error, /^Apply failed at step 2 of 2, start mdpy\/[0-9a-f-]+ \(device c\): .*; the step before it was taken back$/);
    assert.equal(r.stderr, `Error: ${j.error}\n`);
  });
});

test('--json: one object for every outcome (a bad file, a missing file, usage); active/start and YAML attribute values', () => {
  withHost((h) => {
    const cases: Array<[string, RegExp]> = [
      ['name: x\ndevices:\n  - {name: a, parent: mtty, type: mtty-1, start: auto, active: false}\n', /:3: devices\[0\]\.start: auto with active: false contradicts itself/],
      ['name: x\ndevices:\n  - {name: a, parent: matrix, type: vfio_ap-passthrough, attrs: [{assign_adapter: 5}]}\n', /:3: devices\[0\]\.attrs\[0\]: the value of "assign_adapter" must be a string/],
      ['name: "\\ud800x"\n', /: name holds a lone surrogate/],
    ];
    unchanged(h, () => {
      for (const [text, message] of cases) {
        const file = desiredFile(h, text, 'bad.yaml');
        for (const cmd of ['apply', 'diff']) {
          const r = mdevctl(h.root, cmd, '--json', file);
          assert.equal(r.status, 1, r.stderr);
          const j = JSON.parse(r.stdout) as { changed: boolean; actions: unknown[]; error: string };
          assert.deepEqual([j.changed, j.actions], [false, []]);
          assert.match(j.error, message);
          assert.equal(r.stderr, `Error: ${j.error}\n`);
        }
      }
      const usage = mdevctl(h.root, 'apply', '--json', '--wait-parents', 'soon', '/x');
      assert.equal(usage.status, 2);
      assert.match((JSON.parse(usage.stdout) as { error: string }).error, /--wait-parents <SECONDS>/);
      const gone = mdevctl(h.root, 'assert', '--json', '/nonexistent.yaml');
      assert.equal(gone.status, 3);
      assert.match((JSON.parse(gone.stdout) as { error: string }).error, /^Unable to read desired-state file \/nonexistent\.yaml: /);
    });
    // active: false alone is manual: defined, stopped, and stays so at boot.
    const file = desiredFile(h, 'name: x\ndevices:\n  - {name: a, parent: mtty, type: mtty-1, active: false}\n');
    planOf(h, ['apply', file]);
    assert.equal(JSON.parse(h.read(`etc/mdevctl.d/mtty/${uuidOf('x', 'device/a')}`)).start, 'manual');
    run(h, 'start-parent-mdevs', 'mtty');
    assert.equal(mdevctl(h.root, 'assert', file).status, 0);
  });
});

test('the record: as big as we write is readable; a damaged one is never advised away; owner and mode checked; a stale temp file of our pid is replaced', async () => {
  const { simHost } = await import('../helpers/sim-host.js');
  const { inProcess } = await import('../helpers/packaging.js');
  const h = simHost();
  try {
    const ns = namespaceOf('lab');
    const rec = recordPath(h, ns);
    mkdirSync(join(rec, '..'), { recursive: true });
    // 4000 long-named devices (over the 1 MiB bound definitions are read with), in our format.
    const long = 'n'.repeat(240);
    const devices = Array.from({ length: 4000 }, (_, i) => ({ key: `device/${long}${i}`, uuid: uuidOf('lab', `device/${long}${i}`), parent: 'mdpy' }));
    writeFileSync(rec, `{"file":"x","namespace":"${ns}",\n  "devices": [\n${devices.map((d) => `    ${JSON.stringify(d)}`).join(',\n')}\n  ]\n}\n`);
    assert.ok(readFileSync(rec).length > 1024 * 1024);
    const file = desiredFile(h, 'name: lab\n');
    const ok = mdevctl(h.root, 'diff', '--prune', file);
    assert.deepEqual([ok.status, ok.stderr], [0, '']);

    writeFileSync(rec, '{"devices": [');
    const bad = mdevctl(h.root, 'apply', file);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /is not valid JSON \(damaged, or not written by mdevctl\); nothing was changed/);
    assert.doesNotMatch(bad.stderr, /remove|delete/i);

    writeFileSync(rec, JSON.stringify({ devices: [] }));
    chmodSync(rec, 0o666);
    assert.match(mdevctl(h.root, 'apply', file).stderr, /^Error: Refusing to use [^\n]*\.json: it has mode 0666: others can write it; /);
    chmodSync(rec, 0o644);
    chownSync(rec, 4321, 4321);
    assert.match(mdevctl(h.root, 'diff', file).stderr, /^Error: Refusing to use [^\n]*\.json: it is owned by uid 4321, not by this user/);
    chownSync(rec, process.getuid?.() ?? 0, process.getgid?.() ?? 0);

    // A temp file our pid left (a crash, pid reuse) does not fail the write.
    rmSync(rec);
    writeFileSync(join(rec, '..', `.${ns}.${process.pid}.tmp`), 'stale');
    writeFileSync(file, 'name: lab\ndevices:\n  - {name: a, parent: mdpy, type: mdpy-vga}\n');
    const r = await inProcess(h.root, ['apply', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(rec));
  } finally {
    h.cleanup();
  }
});

test('safeguards: names escaped in plan and Error: lines; a FIFO is refused, not waited on; a killed apply leaves no temp dir', () => {
  withHost((h) => {
    // A FIFO with no writer: refused at once (spawnSync would hang on a blocking open).
    const fifo = join(h.root, '..', `${h.root.split('/').pop()}-fifo.yaml`);
    spawnSync('mkfifo', [fifo]);
    try {
      const r = spawnSync(process.execPath, [join(import.meta.dirname, '../../../core/bin/mdevctl.js'), 'diff', fifo], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: h.root },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /not a regular file/);
    } finally {
      rmSync(fifo, { force: true });
    }
    // A device's name (a file's) with a line break and an escape: one Error: line per problem, escaped.
    const forged = desiredFile(h, `name: lab\ndevices:\n${[1, 2, 3, 4, 5].map((i) => `  - {name: "d${i}\\nError: forged\\e[2J", parent: mdpy, type: mdpy-vga}`).join('\n')}\n`, 'forged.yaml');
    for (const args of [['apply', forged], ['diff', forged], ['apply', '--json', forged]]) {
      const r = mdevctl(h.root, ...args);
      assert.equal(r.status, 1);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.ok(lines.every((l) => l.startsWith('Error: ')), r.stderr);
      assert.doesNotMatch(r.stderr, /\u001b/);
      assert.match(lines[1] as string, /\(device d5\\nError: forged\\u\{1b\}\[2J\): no room for one more mdpy-vga on mdpy/);
    }
    // A killed apply: no staging dir in $TMPDIR; the next apply removes the one in run/mdevctl.
    const tmp = mkdtempSync(join(tmpdir(), 'mdevctl-tmpdir-'));
    try {
      const file = desiredFile(h, 'name: lab\ndevices:\n  - {name: a, parent: mdpy, type: mdpy-vga}\n  - {name: b, parent: mdpy, type: mdpy-vga}\n');
      const killed = runBin(h.root, ['apply', file], { env: { MDEVCTL_TEST_CRASH_AT: 'step:1', TMPDIR: tmp } });
      assert.equal(killed.status, -1);
      assert.deepEqual(readdirSync(tmp), []);
      assert.equal(readdirSync(h.path('run/mdevctl')).filter((n) => n.startsWith('apply.')).length, 1);
      planOf(h, ['apply', file]);
      assert.deepEqual(readdirSync(h.path('run/mdevctl')).filter((n) => n.startsWith('apply.')), []);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

test('apply plans and checks before it takes the lock: a refused plan never waits for another command', () => {
  withHost((h) => {
    // Another live process (this test) holds the definitions lock.
    mkdirSync(h.path('run/mdevctl'), { recursive: true, mode: 0o700 });
    writeFileSync(h.path('run/mdevctl/mdevctl.lock'), `${process.pid}\n`);
    const refused = desiredFile(h, SHARED_QUEUE, 'refused.yaml');
    const r = runBin(h.root, ['apply', refused], { env: { MDEVCTL_LOCK_WAIT: '0' } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: [^\n]*refused\.yaml: the plan is refused, nothing was changed:\n/);
    // A plan that may run does need the lock.
    const fine = desiredFile(h, 'name: ok\ndevices:\n  - {name: a, parent: mdpy, type: mdpy-vga}\n', 'fine.yaml');
    const waits = runBin(h.root, ['apply', fine], { env: { MDEVCTL_LOCK_WAIT: '0' } });
    assert.equal(waits.status, 1);
    assert.doesNotMatch(waits.stderr, /plan is refused/);
    assert.deepEqual(h.activeUuids(), []);
  });
});
