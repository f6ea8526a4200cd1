// Black-box: the vfio-ccw plugin in the real mdevctl on the simulated s390 subchannels — 0.0.0313
// bound to vfio_ccw, 0.0.0314 to io_subchannel. Bad ids, the binding with its driverctl fix, one
// device per subchannel (auto definitions at define, running devices at start), `mdevctl validate`
// and start-parent-mdevs reporting them, the hints on the kernel's refusals; every refusal before
// anything is written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { SimulatedKernel } from '@mdevctl/plugin-sim';
import { mdevctl, type RunResult } from '../helpers/cli.js';
import { config, fails, ok, run, unchanged, withHost, WARN } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';
import { creates, raceBeforeStart, unplugs } from '../helpers/sim-race.js';

const U1 = '7e270a25-e163-4922-af60-757fc8ed48c6';
const U2 = 'b29e4ca9-5cdb-4ee1-a01b-79085b9ab237';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const SCH = '0.0.0313';
const IO = '0.0.0314';
const T = 'vfio_ccw-io';

const busy = (sch: string, uuid: string) => `Subchannel ${sch} is in use by running device ${uuid}; a subchannel takes one mediated device`;
const autoTaken = (sch: string, uuid: string) => `Subchannel ${sch} already has auto-start device ${uuid}; a subchannel takes one mediated device`;
const unbound = (sch: string, driver = 'io_subchannel') =>
  `Subchannel ${sch} is bound to ${driver}, not vfio_ccw; bind it with: driverctl -b css set-override ${sch} vfio_ccw`;
const badId = (id: string) => `Invalid subchannel id '${id}': a vfio_ccw-io parent is a subchannel bus id cssid.ssid.schno in hex, like 0.0.0313`;

/** A refusal with these Error lines, in order, and nothing else. */
function refused(r: RunResult, ...lines: string[]): void {
  assert.deepEqual(r, { status: 1, stdout: '', stderr: lines.map((l) => `Error: ${l}\n`).join('') });
}

/** Writes a definition file directly (as an admin or an older mdevctl might have). */
function store(h: SimHost, parent: string, uuid: string, start: 'auto' | 'manual'): void {
  mkdirSync(h.path(`etc/mdevctl.d/${parent}`), { recursive: true });
  writeFileSync(h.path(`etc/mdevctl.d/${parent}/${uuid}`), config(T, start));
}

/** What `driverctl -b css set-override SCH vfio_ccw` does to the running system. */
function driverctl(h: SimHost, sch: string, from: string): void {
  const k = SimulatedKernel.open(h.root);
  k.write(h.path(`sys/bus/css/drivers/${from}/unbind`), sch);
  k.write(h.path('sys/bus/css/drivers/vfio_ccw/bind'), sch);
}

test('a malformed subchannel id is refused at define, start and modify; nothing is written', () =>
  withHost((h) => {
    for (const id of ['0.0.313', '0.4.0313', '0.0.0313.0']) {
      unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-p', id, '-t', T), 1, `Error: ${badId(id)}\n`));
    }
    unchanged(h, () =>
      refused(mdevctl(h.root, 'start', '-u', U1, '-p', '0.0.313', '-t', T), "Unable to find parent device '0.0.313'", badId('0.0.313')),
    );
    store(h, '0.0.313', U1, 'manual'); // an old, bad definition: can still be modified away or undefined
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--auto'), 1, `Error: ${badId('0.0.313')}\n`));
    run(h, 'undefine', '-u', U1);
  }));

test('start on a subchannel bound to io_subchannel: the exact driverctl command; after it, the start works', () =>
  withHost((h) => {
    // define only warns: the definition may wait for the binding
    const d = mdevctl(h.root, 'define', '-u', U2, '-p', IO, '-t', T);
    assert.equal(d.status, 0);
    assert.match(d.stderr, WARN);
    assert.equal(
      d.stderr.replace(WARN, ''),
      `Subchannel ${IO} is bound to io_subchannel, not vfio_ccw; its devices cannot start until it is bound: driverctl -b css set-override ${IO} vfio_ccw\n`,
    );
    unchanged(h, () => refused(mdevctl(h.root, 'start', '-u', U2), `Unable to find parent device '${IO}'`, unbound(IO)));
    driverctl(h, IO, 'io_subchannel');
    run(h, 'start', '-u', U2);
    assert.deepEqual(h.activeUuids(), [U2]);
  }));

test('start on a subchannel bound to no driver at all', () =>
  withHost((h) => {
    SimulatedKernel.open(h.root).write(h.path('sys/bus/css/drivers/io_subchannel/unbind'), IO);
    unchanged(h, () =>
      refused(
        mdevctl(h.root, 'start', '-u', U2, '-p', IO, '-t', T),
        `Unable to find parent device '${IO}'`,
        `Subchannel ${IO} is not bound to any driver, not vfio_ccw; bind it with: driverctl -b css set-override ${IO} vfio_ccw`,
      ),
    );
  }));

test('one device per subchannel: a second auto definition is refused naming the first; manual ones may wait', () =>
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', SCH, '-t', T, '--auto');
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U2, '-p', SCH, '-t', T, '--auto'), 1, `Error: ${autoTaken(SCH, U1)}\n`));
    run(h, 'define', '-u', U2, '-p', SCH, '-t', T);
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U2, '--auto'), 1, `Error: ${autoTaken(SCH, U1)}\n`));
    // another subchannel (one not on this host yet: no warning either) is another matter
    run(h, 'define', '-u', U3, '-p', '0.0.0315', '-t', T, '--auto');
    ok(mdevctl(h.root, 'list', '-d'), `${U1} ${SCH} ${T} auto\n${U2} ${SCH} ${T} manual\n${U3} 0.0.0315 ${T} auto\n`);
  }));

test('one device per subchannel: starting a second is refused naming the running one, before any write', () =>
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', SCH, '-t', T, '--auto');
    run(h, 'define', '-u', U2, '-p', SCH, '-t', T);
    run(h, 'start', '-u', U1);
    unchanged(h, () => refused(mdevctl(h.root, 'start', '-u', U2), `No available instances of ${T} on ${SCH}`, busy(SCH, U1)));
    unchanged(h, () => refused(mdevctl(h.root, 'start', '-p', SCH, '-t', T, '-u', U3), `No available instances of ${T} on ${SCH}`, busy(SCH, U1)));
    run(h, 'stop', '-u', U1);
    run(h, 'start', '-u', U2);
  }));

test('mdevctl validate: every problem of every definition in one run, exit 1; a clean host exits 0', () =>
  withHost((h) => {
    store(h, SCH, U1, 'auto');
    store(h, SCH, U2, 'auto'); // two auto definitions on one subchannel (written behind mdevctl's back)
    store(h, IO, U3, 'manual');
    store(h, '0.0.31', U3, 'manual');
    const all = [
      `0.0.31/${U3}: error: Unable to find parent device '0.0.31'`,
      `0.0.31/${U3}: error: ${badId('0.0.31')}`,
      `${SCH}/${U1}: error: ${autoTaken(SCH, U2)}`,
      `${IO}/${U3}: error: Unable to find parent device '${IO}'`,
      `${IO}/${U3}: error: ${unbound(IO)}`,
      `${SCH}/${U2}: error: ${autoTaken(SCH, U1)}`,
    ];
    const r = unchangedRun(h, 'validate');
    assert.deepEqual({ ...r, stdout: r.stdout.split('\n').sort() }, { status: 1, stdout: [...all, ''].sort(), stderr: '' });
    assert.deepEqual(unchangedRun(h, 'validate', '-p', IO), { status: 1, stdout: `${all[3]}\n${all[4]}\n`, stderr: '' });
    // fixed: one auto definition left, the other subchannel bound
    run(h, 'modify', '-u', U2, '--manual');
    run(h, 'undefine', '-u', U3);
    driverctl(h, IO, 'io_subchannel');
    ok(mdevctl(h.root, 'validate'));
    // a running device holds the subchannel: a definition that would start there fails validation
    run(h, 'start', '-u', U1);
    assert.deepEqual(unchangedRun(h, 'validate'), {
      status: 1,
      stdout: `${SCH}/${U2}: error: No available instances of ${T} on ${SCH}\n${SCH}/${U2}: error: ${busy(SCH, U1)}\n`,
      stderr: '',
    });
    ok(mdevctl(h.root, 'validate', '-u', U1));
  }));

function unchangedRun(h: SimHost, ...args: string[]): RunResult {
  let r: RunResult | undefined;
  unchanged(h, () => (r = mdevctl(h.root, ...args)));
  return r!;
}

test('start-parent-mdevs starts the first auto device of a subchannel and skips the second, saying why', () =>
  withHost((h) => {
    store(h, SCH, U1, 'auto');
    store(h, SCH, U2, 'auto');
    const r = mdevctl(h.root, 'start-parent-mdevs', SCH);
    assert.equal(r.status, 1);
    assert.deepEqual(h.activeUuids(), [U1]);
    // One line naming the skipped device and every problem (core's and the plugin's), then the
    // run fails naming it.
    assert.equal(
      r.stderr.replace(WARN, ''),
      `Skipping ${U2}: No available instances of ${T} on ${SCH}; ${busy(SCH, U1)}\nError: 1 auto device of ${SCH} did not start: ${U2}\n`,
    );
  }));

test('hints: the kernel refuses a create after the checks passed (another program took the subchannel, or unbound it)', () =>
  withHost((h) => {
    const file = h.path(`sys/class/mdev_bus/${SCH}/mdev_supported_types/${T}/create`);
    raceBeforeStart(h, creates(SCH, T, U3));
    refused(
      mdevctl(h.root, 'start', '-p', SCH, '-t', T, '-u', U1),
      `Failed to create mdev ${U1}, type ${T} on ${SCH}: Too many users (os error 87); ${file}: subchannel ${SCH} takes one mediated device and running device ${U3} uses it`,
    );
    assert.deepEqual(h.activeUuids(), [U3]);
  }));

test('hints: the subchannel was unbound from vfio_ccw between the checks and the create', () =>
  withHost((h) => {
    const file = h.path(`sys/class/mdev_bus/${SCH}/mdev_supported_types/${T}/create`);
    raceBeforeStart(h, unplugs(SCH));
    refused(
      mdevctl(h.root, 'start', '-p', SCH, '-t', T, '-u', U1),
      `Failed to create mdev ${U1}, type ${T} on ${SCH}: No such file or directory (os error 2); ${file}: subchannel ${SCH} is not operational or no longer bound to vfio_ccw (check it with lscss; rebind: driverctl -b css set-override ${SCH} vfio_ccw)`,
    );
    assert.deepEqual(h.activeUuids(), []);
  }));
