// Black-box: the mtty plugin in the real mdevctl on the simulated mtty parent — ports per type and
// the 24 shared ports in `types -x`, a device's ports and QEMU option in `list -x` (text and
// JSON), and the hints when the kernel refuses a create (ports used up) or an attribute write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedKernel } from '@mdevctl/plugin-sim';
import { mdevctl, type RunResult } from '../helpers/cli.js';
import { ok, pretty, run, withHost } from '../helpers/expect.js';
import { creates, raceBeforeStart } from '../helpers/sim-race.js';

const U1 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const U2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
const U3 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003';

function refused(r: RunResult, line: string): void {
  assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: ${line}\n` });
}

/** One mtty type in `types -x`, with the free ports of the pool it shares with `other`. */
const typeX = (type: string, name: string, ports: number, avail: number, free: number, other: string) => [
  `  ${type}`,
  `    Available instances: ${avail}`,
  '    Device API: vfio-pci',
  `    Name: ${name}`,
  '    Claimed by: mtty',
  `    Ports per device: ${ports}`,
  `    Ports free: ${free} of 24, shared with ${other}`,
];
const typesX = (free: number, avail1: number, avail2: number) =>
  ['mtty', ...typeX('mtty-1', 'Single port serial', 1, avail1, free, 'mtty-2'), ...typeX('mtty-2', 'Dual port serial', 2, avail2, free, 'mtty-1'), ''].join('\n');

test('types -x: ports per device and the free ports of the shared pool, before and after a start', () =>
  withHost((h) => {
    ok(mdevctl(h.root, 'types', '-x', '-p', 'mtty'), typesX(24, 24, 12));
    run(h, 'start', '-u', U1, '-p', 'mtty', '-t', 'mtty-2');
    run(h, 'start', '-u', U2, '-p', 'mtty', '-t', 'mtty-1');
    ok(mdevctl(h.root, 'types', '-x', '-p', 'mtty'), typesX(21, 21, 10));
    const json = JSON.parse(mdevctl(h.root, 'types', '-x', '-p', 'mtty', '--dumpjson').stdout);
    assert.deepEqual(json[0].mtty[1], {
      'mtty-2': {
        available_instances: 10,
        device_api: 'vfio-pci',
        name: 'Dual port serial',
        claimed_by: ['mtty'],
        ports_per_device: 2,
        ports_free: 21,
        ports_total: 24,
      },
    });
  }));

test('list -x: a running device shows its ports and the QEMU option; a stopped definition only its ports', () =>
  withHost((h) => {
    const sysfsdev = (u: string) => `vfio-pci,sysfsdev=${h.root}/sys/bus/mdev/devices/${u}`;
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-2');
    run(h, 'define', '-u', U3, '-p', 'mtty', '-t', 'mtty-1', '--auto');
    run(h, 'start', '-u', U1);
    ok(mdevctl(h.root, 'list', '-x'), `${U1} mtty mtty-2 manual (defined)\n  Claimed by: mtty\n  Ports: 2\n  QEMU: -device ${sysfsdev(U1)}\n`);
    ok(
      mdevctl(h.root, 'list', '-d', '-x', '-v'),
      `${U1} mtty mtty-2 manual (active)\n  Claimed by: mtty\n  Ports: 2\n  QEMU: -device ${sysfsdev(U1)}\n` +
        `${U3} mtty mtty-1 auto\n  Claimed by: mtty\n  Ports: 1\n`,
    );
    ok(
      mdevctl(h.root, 'list', '-x', '--dumpjson', '-u', U1),
      pretty({ mdev_type: 'mtty-2', start: 'manual', attrs: [], claimed_by: ['mtty'], ports: 2, qemu: ['-device', sysfsdev(U1)] }),
    );
    run(h, 'stop', '-u', U1);
    ok(mdevctl(h.root, 'list', '-d', '-x', '-u', U1), `${U1} mtty mtty-2 manual\n  Claimed by: mtty\n  Ports: 2\n`);
  }));

test('hints: ENOSPC when another program took the last ports between the checks and the create', () =>
  withHost((h) => {
    const kernel = SimulatedKernel.open(h.root);
    const create = h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create');
    for (let i = 10; i < 21; i++) kernel.write(create, `83b8f4f2-509f-382f-3c1e-e6bfe0fa20${i}`);
    assert.equal(h.available('mtty', 'mtty-2'), 1);
    raceBeforeStart(h, creates('mtty', 'mtty-1', U2));
    const file = h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create');
    refused(
      mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1),
      `Failed to create mdev ${U1}, type mtty-2 on mtty: No space left on device (os error 28); ${file}: mtty-2 takes 2 ports and 1 of mtty's 24 shared ports are free; stop an mtty device to free some`,
    );
    assert.equal(h.activeUuids().includes(U1), false);
  }));

test('hints: an attribute the kernel refuses (mtty devices take none); the device is stopped again', () =>
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    run(h, 'modify', '-u', U1, '--addattr', 'vendor', '--value', 'x');
    const file = h.path(`sys/bus/mdev/devices/${U1}/vendor`);
    refused(
      mdevctl(h.root, 'start', '-u', U1),
      `Failed to write x to attribute vendor: Is a directory (os error 21); ${file}: mtty devices take no attributes; remove 'vendor' from the definition`,
    );
    assert.deepEqual(h.activeUuids(), []);
  }));
