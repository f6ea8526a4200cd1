// mdevctl apply/diff/assert on the simulated host: deterministic uuids, idempotence (a second
// apply changes nothing, runs no call-out, writes no file), the whole plan checked at once
// (exhausted pools, vfio-ap queue conflicts between two desired devices: nothing written),
// prune safety, dry runs, errors naming line and field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { mdevctl, runBin } from '../helpers/cli.js';
import { fails, run, tree, unchanged, withHost } from '../helpers/expect.js';
import { desiredFile, namespaceOf, planOf, running, uuidOf } from '../helpers/desired.js';

const LAB = `name: lab
devices:
  - name: console
    parent: mtty
    type: mtty-2
requests:
  - name: desktops
    type: mdpy-vga
    count: 3
    parents: [mdpy]
  - name: gfx
    typeName: mbochs-small
    count: 2
    parents: {name: "mb*"}
    start: manual
`;

/** A call-out that logs every call (and fails a start's pre of FAIL_UUID, when that file exists). */
function loggingCallout(root: string): string {
  const dir = join(root, 'usr/lib/mdevctl/scripts.d/callouts');
  mkdirSync(dir, { recursive: true });
  const log = join(root, 'callouts.log');
  const fail = join(root, 'fail-uuid');
  writeFileSync(
    join(dir, 'log'),
    `#!/bin/sh\necho "$*" >> '${log}'\nwhile [ $# -gt 0 ]; do case "$1" in -u) u=$2;; -e) e=$2;; -a) a=$2;; esac; shift; done\n` +
      `if [ -f '${fail}' ] && [ "$u" = "$(cat '${fail}')" ] && [ "$e" = pre ] && [ "$a" = start ]; then exit 1; fi\nexit 0\n`,
  );
  chmodSync(join(dir, 'log'), 0o755);
  return log;
}

test('apply: defines and starts what the file asks for, with uuids derived from its name; a second apply changes nothing', () => {
  withHost((h) => {
    const file = desiredFile(h, LAB);
    const log = loggingCallout(h.root);
    const first = planOf(h, ['apply', file]);
    assert.equal(first.changed, true);
    const console_ = uuidOf('lab', 'device/console');
    const desktops = [0, 1, 2].map((i) => uuidOf('lab', `request/desktops/${i}`));
    const gfx = [0, 1].map((i) => uuidOf('lab', `request/gfx/${i}`));
    assert.deepEqual(
      first.actions.map((a) => `${a.action} ${a.parent}/${a.uuid}`),
      [
        `define mtty/${console_}`, ...desktops.map((u) => `define mdpy/${u}`), ...gfx.map((u) => `define mbochs/${u}`),
        `start mtty/${console_}`, ...desktops.map((u) => `start mdpy/${u}`), ...gfx.map((u) => `start mbochs/${u}`),
      ],
    );
    assert.deepEqual(running(h), [
      `${console_} mtty mtty-2`, ...desktops.map((u) => `${u} mdpy mdpy-vga`), ...gfx.map((u) => `${u} mbochs mbochs-small`),
    ].sort());
    assert.equal(JSON.parse(h.read(`etc/mdevctl.d/mbochs/${gfx[0]}`)).start, 'manual');
    assert.equal(JSON.parse(h.read(`etc/mdevctl.d/mdpy/${desktops[0]}`)).start, 'auto');
    const calls = readFileSync(log, 'utf8');
    assert.ok(calls.split('\n').length > 20, 'the call-outs ran for every step');

    // Again: nothing to do, no call-out, not one file written (the tree is byte-identical).
    unchanged(h, () => {
      assert.deepEqual(planOf(h, ['apply', file]), { changed: false, actions: [] });
      assert.deepEqual(mdevctl(h.root, 'apply', file), { status: 0, stdout: '', stderr: '' });
      assert.deepEqual(mdevctl(h.root, 'assert', file), { status: 0, stdout: '', stderr: '' });
      assert.deepEqual(mdevctl(h.root, 'diff', file), { status: 0, stdout: '', stderr: '' });
    });
  });
});

test('apply: JSON is the same file as YAML; diff shows the plan and writes nothing; --dry-run too', () => {
  withHost((h) => {
    const file = desiredFile(h, JSON.stringify({ name: 'lab', requests: [{ name: 'd', type: 'mdpy-xga', count: 2, parents: ['mdpy'] }] }), 'd.json');
    unchanged(h, () => {
      const r = mdevctl(h.root, 'diff', file);
      assert.equal(r.status, 0);
      const u = uuidOf('lab', 'request/d/0');
      assert.match(r.stdout, new RegExp(`^define   mdpy/${u} mdpy-xga \\(request d #0\\)$`, 'm'));
      assert.equal(r.stdout.split('\n').filter((l) => l !== '').length, 4);
      const dry = planOf(h, ['apply', '--dry-run', file]);
      assert.equal(dry.changed, true);
      assert.equal(dry.dry_run, true);
      assert.equal(dry.actions.length, 4);
    });
  });
});

test('apply: a pool the plan would exhaust refuses the whole plan; nothing is written', () => {
  withHost((h) => {
    // mdpy holds 4 devices of its types together; 3 + 2 of two types do not fit.
    const file = desiredFile(h, `name: lab
devices:
  - {name: a, parent: mdpy, type: mdpy-hd}
  - {name: b, parent: mdpy, type: mdpy-hd}
requests:
  - {name: vga, type: mdpy-vga, count: 3, parents: [mdpy], placement: pack}
`);
    const log = loggingCallout(h.root);
    unchanged(h, () => {
      const r = mdevctl(h.root, 'apply', file);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^Error: No room for request vga #2 \(mdpy-vga, placement pack\) on mdpy: every pool is full\n$/);
    });
    // Explicit devices alone over the pool: the room check names each one that does not fit.
    const file2 = desiredFile(h, `name: lab
devices:
${[1, 2, 3, 4, 5].map((i) => `  - {name: d${i}, parent: mdpy, type: mdpy-vga}`).join('\n')}
`, 'five.yaml');
    unchanged(h, () => {
      const r = mdevctl(h.root, 'apply', file2);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^Error: [^\n]*five\.yaml: the plan is refused, nothing was changed:\n/);
      assert.match(r.stderr, new RegExp(`Error: mdpy/${uuidOf('lab', 'device/d5')} \\(device d5\\): no room for one more mdpy-vga on mdpy after the 4 devices the plan starts there first\\n$`));
    });
    assert.equal(existsSync(log), false, 'no call-out ran');
  });
});

test('apply: two desired vfio-ap devices sharing a queue are refused together, before anything is written', () => {
  withHost((h) => {
    const file = desiredFile(h, `name: ap
devices:
  - {name: g1, parent: matrix, type: vfio_ap-passthrough, attrs: [{assign_adapter: "5"}, {assign_domain: "4"}]}
  - {name: g2, parent: matrix, type: vfio_ap-passthrough, attrs: [{assign_adapter: "5"}, {assign_domain: "4"}]}
`);
    const [g1, g2] = [uuidOf('ap', 'device/g1'), uuidOf('ap', 'device/g2')];
    unchanged(h, () => {
      const r = mdevctl(h.root, 'apply', file);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`Error: matrix/${g1} \\(device g1\\): APQN 05\\.0004 is also assigned to auto-start device ${g2}\\n`));
      assert.match(r.stderr, new RegExp(`Error: matrix/${g2} \\(device g2\\): APQN 05\\.0004 is also assigned to auto-start device ${g1}\\n`));
    });
    // Apart, they apply.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/assign_domain: "4"\}\]\}\n$/, 'assign_domain: "6"}]}\n'));
    assert.equal(planOf(h, ['apply', file]).changed, true);
    assert.equal(h.activeUuids().length, 2);
  });
});

test('apply --prune removes only managed devices the file no longer lists; without it they stay', () => {
  withHost((h) => {
    const mine = '11111111-2222-4333-8444-555555555555';
    run(h, 'define', '-u', mine, '-p', 'mdpy', '-t', 'mdpy-vga'); // by hand: not the file's
    run(h, 'start', '-u', mine);
    const file = desiredFile(h, `name: lab\nrequests:\n  - {name: d, type: mdpy-vga, count: 3, parents: [mdpy]}\n`);
    planOf(h, ['apply', file]);
    assert.equal(h.activeUuids().length, 4);
    writeFileSync(file, `name: lab\nrequests:\n  - {name: d, type: mdpy-vga, count: 1, parents: [mdpy]}\n`);
    // Without --prune the two extra devices stay (and the host counts as in sync); stderr says so.
    const kept = mdevctl(h.root, 'apply', '--json', file);
    assert.equal(kept.status, 0);
    assert.deepEqual(JSON.parse(kept.stdout), { changed: false, actions: [] });
    assert.equal(kept.stderr, '2 devices in its record that the file no longer lists were left alone (apply --prune removes them)\n');
    const drift = mdevctl(h.root, 'assert', '--prune', file);
    assert.equal(drift.status, 1);
    assert.equal(drift.stdout.split('\n').filter((l) => l !== '').length, 4);
    const pruned = planOf(h, ['apply', '--prune', file]);
    const gone = [1, 2].map((i) => uuidOf('lab', `request/d/${i}`));
    assert.deepEqual(
      pruned.actions.map((a) => `${a.action} ${a.uuid} ${a.for}`).sort(),
      gone.flatMap((u) => [`stop ${u} prune`, `undefine ${u} prune`]).sort(),
    );
    assert.deepEqual(h.definitions('mdpy').sort(), [mine, uuidOf('lab', 'request/d/0')].sort());
    assert.ok(h.activeUuids().includes(mine), 'the device the file does not manage still runs');
    // An empty file prunes everything it manages, and nothing else.
    writeFileSync(file, 'name: lab\n');
    planOf(h, ['apply', '--prune', file]);
    assert.deepEqual(h.definitions('mdpy'), [mine]);
    assert.deepEqual(h.activeUuids(), [mine]);
    assert.deepEqual(planOf(h, ['apply', '--prune', file]), { changed: false, actions: [] });
  });
});

test('apply: a changed entry is modified in place (restarted when type or attrs change), an active: false one stopped', () => {
  withHost((h) => {
    const file = desiredFile(h, `name: lab\ndevices:\n  - {name: s, parent: mtty, type: mtty-1}\n  - {name: t, parent: mdpy, type: mdpy-vga}\n`);
    planOf(h, ['apply', file]);
    writeFileSync(file, `name: lab\ndevices:\n  - {name: s, parent: mtty, type: mtty-2, start: manual}\n  - {name: t, parent: mdpy, type: mdpy-vga, active: false}\n`);
    const s = uuidOf('lab', 'device/s');
    const t = uuidOf('lab', 'device/t');
    const plan = planOf(h, ['apply', file]);
    assert.deepEqual(plan.actions.map((a) => `${a.action} ${a.uuid}${a.detail ? ` ${a.detail}` : ''}`), [
      `stop ${s} restarts with the new definition`,
      `stop ${t} not active in the file`,
      `modify ${s} type mtty-1 -> mtty-2, start auto -> manual`,
      // active: false without start means manual (an auto device would come back at boot).
      `modify ${t} start auto -> manual`,
      `start ${s}`,
    ]);
    assert.deepEqual(running(h), [`${s} mtty mtty-2`]);
    assert.deepEqual(planOf(h, ['apply', file]).actions, []);
  });
});

test('apply: a step that fails half-way takes back the steps before it; the host is as it was', () => {
  withHost((h) => {
    const file = desiredFile(h, LAB);
    loggingCallout(h.root);
    const state = () => ({ defined: mdevctl(h.root, 'list', '-d').stdout, devices: h.activeUuids() });
    const before = state();
    // The third start's pre call-out fails: six devices were defined and two started by then.
    writeFileSync(h.path('fail-uuid'), uuidOf('lab', 'request/desktops/1'));
    const r = mdevctl(h.root, 'apply', file);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Error: Apply failed at step 9 of 12, start mdpy\/[0-9a-f-]+ \(request desktops #1\): [^\n]*; the 8 steps before it were taken back\n$/);
    assert.deepEqual(state(), before);
    assert.equal(h.exists(`var/lib/mdevctl/desired/${namespaceOf('lab')}.json`), false, 'the record is as before: none');
  });
});

test('apply: a process killed half-way leaves whole steps only; applying again finishes the job', () => {
  withHost((h) => {
    const file = desiredFile(h, LAB);
    // Killed (SIGKILL) after its 7th step: the six definitions written, one device started.
    const killed = runBin(h.root, ['apply', file], { env: { MDEVCTL_TEST_CRASH_AT: 'step:7' } });
    assert.equal(killed.status, -1);
    assert.equal(mdevctl(h.root, 'list', '-d').stdout.split('\n').filter((l) => l !== '').length, 6);
    assert.deepEqual(h.activeUuids(), [uuidOf('lab', 'device/console')]);
    const again = planOf(h, ['apply', file]);
    assert.deepEqual(again.actions.map((a) => a.action), ['start', 'start', 'start', 'start', 'start']);
    assert.equal(h.activeUuids().length, 6);
    assert.deepEqual(planOf(h, ['apply', file]), { changed: false, actions: [] });
  });
});

test('apply/diff/assert: a bad file is refused with its line and field; nothing is written', () => {
  withHost((h) => {
    const cases: Array<[string, RegExp]> = [
      ['name: x\ndevices:\n  - name: a\n    parent: mtty\n    type: 3\n', /:3: devices\[0\]\.type: must be a string$/],
      ['name: x\ndevices:\n  - name: a\n   parent: mtty\n', /:4:4: bad indentation of a sequence entry$/],
      ['name: x\nrequests:\n  - {type: mtty-1, count: 1, parents: [mtty]}\n  - type: mtty-2\n    count: -1\n    parents: [mtty]\n', /:4: requests\[1\]\.count: must be a whole number from 0 to 65536$/],
      ['name: x\nrequests:\n  - {type: mtty-1, count: 1, parents: [mtty], colour: red}\n', /:3: requests\[0\]\.colour: unknown field/],
      ['devices: []\n', /:1: name: the file needs a name/],
      ['name: x\ndevices:\n  - {name: a, parent: mtty, type: mtty-1}\n  - {name: a, parent: mdpy, type: mdpy-vga}\n', /:4: devices\[1\]: the same device as devices\[0\]$/],
    ];
    unchanged(h, () => {
      for (const [text, message] of cases) {
        const file = desiredFile(h, text, 'bad.yaml');
        for (const cmd of ['apply', 'diff', 'assert']) {
          const r = mdevctl(h.root, cmd, file);
          // assert: 3, could not check (1 is drift).
          if (cmd === 'assert') assert.equal(r.status, 3, r.stderr);
          else fails(r, 1);
          assert.match(r.stderr.trimEnd(), message, `${cmd}: ${text}`);
        }
      }
      fails(mdevctl(h.root, 'apply', '/nonexistent.yaml'), 1, /^Error: Unable to read desired-state file \/nonexistent\.yaml: /);
      fails(mdevctl(h.root, 'diff', '/dev/zero'), 1, /^Error: \/dev\/zero: not a regular file /);
      fails(mdevctl(h.root, 'diff', desiredFile(h, 'name: [', 'broken.yaml')), 1, /broken\.yaml:2:1: unexpected end of the stream/);
      fails(mdevctl(h.root, 'apply', '--wait-parents', 'soon', '/x'), 2, /--wait-parents <SECONDS>/);
    });
  });
});

test('assert: exit 0 in sync, 1 with the drift listed after a device was stopped behind its back', () => {
  withHost((h) => {
    const file = desiredFile(h, LAB);
    planOf(h, ['apply', file]);
    const u = uuidOf('lab', 'request/desktops/2');
    run(h, 'stop', '-u', u);
    const r = mdevctl(h.root, 'assert', file);
    assert.deepEqual(r, { status: 1, stdout: `start    mdpy/${u} mdpy-vga (request desktops #2)\n`, stderr: '' });
    assert.equal(planOf(h, ['assert', file], 1).changed, true);
    planOf(h, ['apply', file]);
    assert.equal(mdevctl(h.root, 'assert', file).status, 0);
  });
});

test('apply: a progress line on a terminal only; stdout is the same either way', async () => {
  const { simHost } = await import('../helpers/sim-host.js');
  const { inProcess } = await import('../helpers/packaging.js');
  const [a, b] = [simHost(), simHost()];
  try {
    const text = `name: lab\nrequests:\n  - {name: d, type: mdpy-vga, count: 2, parents: [mdpy]}\n`;
    const onTty = await inProcess(a.root, ['apply', desiredFile(a, text)], { tty: true });
    const onPipe = await inProcess(b.root, ['apply', desiredFile(b, text)], { tty: false });
    assert.equal(onTty.status, 0);
    assert.equal(onPipe.status, 0);
    assert.equal(onTty.stdout, onPipe.stdout);
    assert.match(onTty.stderr, /\[1\/4\] define mdpy\//);
    assert.match(onTty.stderr, /\[4\/4\] start mdpy\//);
    assert.equal(onPipe.stderr, '');
  } finally {
    a.cleanup();
    b.cleanup();
  }
});
