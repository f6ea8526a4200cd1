// The mtty plugin on its own, through the SDK's test harness: ports per type and the shared pool
// in `types -x`, a device's ports and — while it runs — its QEMU option in `list -x`, and the hint
// on an ENOSPC from the kernel.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHarness } from '@mdevctl/plugin-sdk/testing';
import type { ActiveDevice, KernelRefusal, MdevDevice, MdevTypeInfo } from '@mdevctl/plugin-sdk';
import createPlugin, { portsOf } from '@mdevctl/plugin-mtty';

const U1 = '11111111-1111-4111-8111-000000000001';
const U2 = '11111111-1111-4111-8111-000000000002';
const U3 = '11111111-1111-4111-8111-000000000003';

const mttyType = (type: string, availableInstances: number, name: string): MdevTypeInfo => ({ parent: 'mtty', type, availableInstances, deviceApi: 'vfio-pci', name });
const TYPES = [mttyType('mtty-1', 21, 'Single port serial'), mttyType('mtty-2', 10, 'Dual port serial')];
const running = (uuid: string, type: string): ActiveDevice => ({ uuid, parent: 'mtty', type });
const dev = (uuid: string, type: string): MdevDevice => ({ uuid, parent: 'mtty', type, start: 'manual', attrs: [] });
// one mtty-2 and one mtty-1 running: 3 of 24 ports used
const HOST = { root: '/', types: TYPES, activeDevices: [running(U1, 'mtty-2'), running(U2, 'mtty-1')] };

test('ports of a type: mtty-<n> takes n ports', () => {
  assert.equal(portsOf('mtty-1'), 1);
  assert.equal(portsOf('mtty-2'), 2);
  for (const other of ['mtty-0', 'mtty-x', 'mdpy-vga', 'mtty-01']) assert.equal(portsOf(other), undefined, other);
});

test('types -x: ports per device and the ports left in the shared pool, as lines and fields', async () => {
  const h = await createTestHarness(createPlugin, { host: HOST });
  assert.deepEqual(await h.listType(TYPES[1]!), {
    lines: ['Ports per device: 2', 'Ports free: 21 of 24, shared with mtty-1'],
    fields: { ports_per_device: 2, ports_free: 21, ports_total: 24 },
  });
  assert.deepEqual((await h.listType(TYPES[0]!)).lines, ['Ports per device: 1', 'Ports free: 21 of 24, shared with mtty-2']);
  const fresh = await createTestHarness(createPlugin, { host: { types: [TYPES[0]!] } });
  assert.deepEqual((await fresh.listType(TYPES[0]!)).lines, ['Ports per device: 1', 'Ports free: 24 of 24']);
  // the plugin claims parent mtty only
  assert.deepEqual(await h.listType({ ...TYPES[0]!, parent: 'other' }), { lines: [], fields: {} });
});

test('list -x: a running device shows its ports and the QEMU option; a stopped definition only its ports', async () => {
  const h = await createTestHarness(createPlugin, { host: HOST });
  const sysfsdev = `vfio-pci,sysfsdev=/sys/bus/mdev/devices/${U1}`;
  assert.deepEqual(await h.listDevice(dev(U1, 'mtty-2')), {
    lines: ['Ports: 2', `QEMU: -device ${sysfsdev}`],
    fields: { ports: 2, qemu: ['-device', sysfsdev] },
  });
  assert.deepEqual(await h.listDevice(dev(U1, 'mtty-2'), { defined: true, verbose: true }), {
    lines: ['Ports: 2', `QEMU: -device ${sysfsdev}`],
    fields: { ports: 2, qemu: ['-device', sysfsdev] },
  });
  assert.deepEqual(await h.listDevice(dev(U3, 'mtty-1'), { defined: true }), { lines: ['Ports: 1'], fields: { ports: 1 } });
  // a definition whose uuid runs with another type is not that device running
  assert.deepEqual(await h.listDevice(dev(U2, 'mtty-2'), { defined: true }), { lines: ['Ports: 2'], fields: { ports: 2 } });
});

test('the QEMU option names the device under the environment root', async () => {
  const h = await createTestHarness(createPlugin, { host: { ...HOST, root: '/tmp/host' } });
  assert.deepEqual((await h.listDevice(dev(U1, 'mtty-2'))).fields['qemu'], ['-device', `vfio-pci,sysfsdev=/tmp/host/sys/bus/mdev/devices/${U1}`]);
});

const refusal = (r: Partial<KernelRefusal>): KernelRefusal => ({
  operation: 'create',
  device: dev(U3, 'mtty-2'),
  file: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create',
  value: U3,
  code: 'ENOSPC',
  errno: 28,
  ...r,
});

test('hints: ENOSPC names the ports the type takes and those free; attributes; nothing else', async () => {
  const h = await createTestHarness(createPlugin, { host: HOST });
  assert.equal(await h.explainRefusal(refusal({})), "mtty-2 takes 2 ports and 21 of mtty's 24 shared ports are free; stop an mtty device to free some");
  assert.equal(
    await h.explainRefusal(refusal({ device: dev(U3, 'mtty-1') })),
    "mtty-1 takes 1 port and 21 of mtty's 24 shared ports are free; stop an mtty device to free some",
  );
  assert.equal(
    await h.explainRefusal(refusal({ operation: 'attribute', attribute: 'foo', code: 'EACCES', errno: 13 })),
    "mtty devices take no attributes; remove 'foo' from the definition",
  );
  for (const code of ['EINVAL', 'EEXIST']) assert.equal(await h.explainRefusal(refusal({ code })), undefined, code);
  assert.equal(await h.explainRefusal(refusal({ operation: 'remove', code: 'EINVAL' })), undefined);
});
