// The nvidia-vgpu plugin's pure logic and its backend on plain temp trees: catalogue parsing, type
// names merged per physical GPU, the derived uuid, availability, the one-time-sliced-type rule and
// how mdevctl tells heterogeneous mode, the uuid record, refusals, vfio holders, start and stop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendHost } from '@mdevctl/plugin-sdk';
import {
  NvidiaVgpuBackend,
  derivedUuid,
  explainVgpuRefusal,
  gpuMode,
  isMigBacked,
  mergeNames,
  mixProblems,
  parseCatalogue,
  parseCurrentType,
  parseHeterogeneousOption,
  readMapped,
  shortName,
  typeId,
  typeName,
  vfTypes,
  vfioHolder,
  writeMapped,
  UUID_MAP_DIR,
  enableVfs,
  type VfState,
} from '@mdevctl/plugin-nvidia-vgpu';
import { holdOpen, makeRoot, type VfSpec } from './tree.js';

const PF1 = '0000:41:00.0';
const PF2 = '0000:c1:00.0';
const A16_4Q: readonly [number, string] = [1001, 'NVIDIA A16-4Q'];
const A16_8Q: readonly [number, string] = [1002, 'NVIDIA A16-8Q'];
const MIG: readonly [number, string] = [1414, 'NVIDIA H200X-1-18C'];
const U1 = '11111111-1111-4111-8111-000000000001';

const silent = { error() {}, warn() {}, info() {}, debug() {} };
function backendOn(root: string, write?: (path: string, data: string) => void, stopBusyWaitMs = 200): NvidiaVgpuBackend {
  const host: BackendHost = {
    root,
    log: silent,
    env: {},
    write: write ?? ((path, data) => writeFileSync(path, data)),
  };
  return new NvidiaVgpuBackend(host, { stopBusyWaitMs });
}
const specs = (pf: string, prefix: string, n: number, types: VfSpec['types']): VfSpec[] =>
  Array.from({ length: n }, (_, i) => ({ vf: `${prefix}.${i + 4}`, pf, types, vfio: i }));

test('a catalogue is read tolerantly: header, blanks, odd lines and repeated ids skipped', () => {
  const text = 'ID    : vGPU Name\n1414 : NVIDIA H200X-1-18C\n\n  1415:NVIDIA H200X-2-35C  \nnot a line\n1414 : again\n0 : zero\n';
  assert.deepEqual(parseCatalogue(text), [
    { id: 1414, name: 'NVIDIA H200X-1-18C' },
    { id: 1415, name: 'NVIDIA H200X-2-35C' },
  ]);
  assert.deepEqual(parseCatalogue('ID    : vGPU Name\n'), []);
  assert.equal(parseCurrentType('0\n'), 0);
  assert.equal(parseCurrentType('1414'), 1414);
  for (const bad of [undefined, '', 'x', '-1', '12345678901']) assert.equal(parseCurrentType(bad), undefined);
});

test('type names: nvidia-<id>, profile names, MIG-backed or time-sliced, names merged over a GPU', () => {
  assert.equal(typeName(1414), 'nvidia-1414');
  assert.equal(typeId('nvidia-1414'), 1414);
  for (const bad of ['nvidia-', 'nvidia-0', 'nvidia-01', 'nvidia-14a', 'mtty-1', 'nvidia-99999999999']) assert.equal(typeId(bad), undefined, bad);
  assert.equal(shortName('NVIDIA A16-4Q'), 'A16-4Q');
  assert.equal(isMigBacked('NVIDIA H200X-1-18C'), true);
  assert.equal(isMigBacked('NVIDIA A100-1-5CME'), true);
  assert.equal(isMigBacked('NVIDIA A16-4Q'), false);
  assert.equal(isMigBacked('NVIDIA L40S-48Q'), false);
  const names = mergeNames([undefined, [{ id: 1, name: 'A' }], [{ id: 1, name: 'B' }, { id: 2, name: 'C' }]]);
  assert.deepEqual([...names], [[1, 'A'], [2, 'C']]);
});

test('the derived uuid is v5 of the VF address in the URL namespace (documented, reproducible)', () => {
  // python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "nvidia-vgpu://0000:41:00.4"))'
  assert.equal(derivedUuid('0000:41:00.4'), '4955d415-34a7-5d8e-95c1-a0954749ea21');
  assert.equal(derivedUuid('0000:41:00.4'), derivedUuid('0000:41:00.4'.toUpperCase()));
  assert.notEqual(derivedUuid('0000:41:00.4'), derivedUuid('0000:41:00.5'));
});

test("a VF's types: its catalogue, plus the type it runs, named from its GPU's other VFs; 1 instance only when free and listed", () => {
  const used: VfState = { vf: 'a', gpu: PF1, catalogue: [], current: 1001 };
  const free: VfState = { vf: 'b', gpu: PF1, catalogue: [{ id: 1001, name: 'NVIDIA A16-4Q' }], current: 0 };
  assert.deepEqual(vfTypes(used, [used, free]), [{ id: 1001, type: 'nvidia-1001', name: 'NVIDIA A16-4Q', availableInstances: 0 }]);
  assert.deepEqual(vfTypes(free, [used, free]), [{ id: 1001, type: 'nvidia-1001', name: 'NVIDIA A16-4Q', availableInstances: 1 }]);
  const alone: VfState = { vf: 'c', gpu: PF2, catalogue: [], current: 7 };
  assert.deepEqual(vfTypes(alone, [alone]), [{ id: 7, type: 'nvidia-7', name: undefined, availableInstances: 0 }]);
});

test('one time-sliced type per physical GPU unless heterogeneous: configured, seen in the catalogues, or refused naming the GPU', () => {
  const names = new Map([[1001, 'NVIDIA A16-4Q'], [1002, 'NVIDIA A16-8Q'], [1414, 'NVIDIA H200X-1-18C']]);
  const running: VfState = { vf: '0000:41:00.4', gpu: PF1, catalogue: [], current: 1001 };
  const onlySame: VfState = { vf: '0000:41:00.5', gpu: PF1, catalogue: [{ id: 1001, name: 'NVIDIA A16-4Q' }], current: 0 };
  const lists8: VfState = { vf: '0000:41:00.5', gpu: PF1, catalogue: [{ id: 1002, name: 'NVIDIA A16-8Q' }], current: 0 };
  const none = parseHeterogeneousOption('');
  assert.equal(gpuMode(PF1, [running, onlySame], names, none), 'homogeneous');
  assert.equal(gpuMode(PF1, [running, lists8], names, none), 'heterogeneous: seen in the catalogues');
  assert.equal(gpuMode(PF1, [running, onlySame], names, parseHeterogeneousOption(`${PF1.toUpperCase()}, 0000:99:00.0`)), 'heterogeneous: configured');
  assert.equal(gpuMode(PF1, [running, onlySame], names, parseHeterogeneousOption('all')), 'heterogeneous: configured');

  const vfs = [running, onlySame];
  const mix = mixProblems(vfs, [{ vf: '0000:41:00.5', id: 1002 }], () => names, none);
  assert.equal(mix.length, 1);
  assert.match(mix[0] ?? '', /^Physical GPU 0000:41:00\.0 would run time-sliced vGPUs of different types: nvidia-1001 \(NVIDIA A16-4Q\) on 0000:41:00\.4; nvidia-1002 \(NVIDIA A16-8Q\) on 0000:41:00\.5\. .*heterogeneousGpus/);
  assert.deepEqual(mixProblems(vfs, [{ vf: '0000:41:00.5', id: 1001 }], () => names, none), []);
  assert.deepEqual(mixProblems(vfs, [{ vf: '0000:41:00.4', id: 0 }, { vf: '0000:41:00.5', id: 1002 }], () => names, none), [], 'the plan stops the other type first');
  assert.deepEqual(mixProblems(vfs, [{ vf: '0000:41:00.5', id: 1002 }], () => names, parseHeterogeneousOption(PF1)), []);
  assert.deepEqual(mixProblems(vfs, [{ vf: '0000:41:00.5', id: 1414 }], () => names, none), [], 'MIG-backed vGPUs are not time-sliced');
});

test('refusals are explained in words; an errno the driver is not known to give is left as the kernel said it', () => {
  assert.match(explainVgpuRefusal('EINVAL', 'create', 'V', 'G') ?? '', /not in the VF's creatable_vgpu_types/);
  assert.match(explainVgpuRefusal('ENOSPC', 'create', 'V', 'G') ?? '', /G has no framebuffer left/);
  assert.match(explainVgpuRefusal('EBUSY', 'remove', 'V', 'G') ?? '', /still holds the vGPU on V/);
  assert.equal(explainVgpuRefusal('E2BIG', 'create', 'V', 'G'), undefined);
});

test('the uuid record: written only through a dir of our own, believed only when nobody else can write it', () => {
  const root = makeRoot([]);
  try {
    writeMapped(root, '0000:41:00.4', U1, 1001);
    assert.deepEqual(readMapped(root, '0000:41:00.4'), { uuid: U1, id: 1001 });
    assert.equal(readMapped(root, '0000:41:00.5'), undefined);
    chmodSync(join(root, UUID_MAP_DIR, '0000:41:00.4'), 0o666);
    assert.equal(readMapped(root, '0000:41:00.4'), undefined, 'a world-writable record is ignored');
    chmodSync(join(root, UUID_MAP_DIR, '0000:41:00.4'), 0o644);
    chmodSync(join(root, UUID_MAP_DIR), 0o777);
    assert.equal(readMapped(root, '0000:41:00.4'), undefined, 'a record in a world-writable dir is ignored');
    assert.throws(() => writeMapped(root, '0000:41:00.4', U1, 1001), /Refusing to use .*run\/mdevctl-vgpu/);
    chmodSync(join(root, UUID_MAP_DIR), 0o755);
    writeFileSync(join(root, UUID_MAP_DIR, '0000:41:00.6'), 'garbage\n');
    assert.equal(readMapped(root, '0000:41:00.6'), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('backend: VFs are parents by address, types per VF with 1/0 instances, a foreign vGPU listed with the derived uuid', () => {
  const root = makeRoot([
    ...specs(PF1, '0000:41:00', 2, [A16_4Q, A16_8Q]),
    { vf: '0000:c1:00.4', pf: PF2, types: [], current: 1414 },
    { vf: '0000:c1:00.5', pf: PF2, types: [MIG] },
  ]);
  // An mdev-era GPU beside it stays the mdev bus's.
  mkdirSync(join(root, 'sys/bus/pci/devices/0000:02:00.0/nvidia'), { recursive: true });
  writeFileSync(join(root, 'sys/bus/pci/devices/0000:02:00.0/nvidia/creatable_vgpu_types'), '');
  mkdirSync(join(root, 'sys/bus/pci/devices/0000:02:00.0/mdev_supported_types'));
  try {
    const b = backendOn(root);
    assert.deepEqual(b.parents(), ['0000:41:00.4', '0000:41:00.5', '0000:c1:00.4', '0000:c1:00.5']);
    assert.equal(b.parentState('0000:02:00.0'), undefined);
    assert.equal(b.parentState('0000:41:00.4'), 'ready');
    assert.deepEqual(b.types('0000:41:00.4'), [
      { parent: '0000:41:00.4', type: 'nvidia-1001', availableInstances: 1, deviceApi: 'vfio-pci', name: 'NVIDIA A16-4Q' },
      { parent: '0000:41:00.4', type: 'nvidia-1002', availableInstances: 1, deviceApi: 'vfio-pci', name: 'NVIDIA A16-8Q' },
    ]);
    // The used VF lists nothing, yet shows its own type, named by its sibling.
    assert.deepEqual(b.types('0000:c1:00.4'), [{ parent: '0000:c1:00.4', type: 'nvidia-1414', availableInstances: 0, deviceApi: 'vfio-pci', name: 'NVIDIA H200X-1-18C' }]);
    assert.deepEqual(b.activeDevices(), [{ uuid: derivedUuid('0000:c1:00.4'), parent: '0000:c1:00.4', type: 'nvidia-1414' }]);
    assert.equal(b.activeDevice(derivedUuid('0000:c1:00.4'))?.parent, '0000:c1:00.4');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('backend start: writes the id, reads it back, records the uuid; refuses a used VF or an unlisted type before writing; writes 0 on a mismatch', () => {
  const root = makeRoot(specs(PF1, '0000:41:00', 2, [A16_4Q]));
  const file = join(root, 'sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type');
  try {
    const writes: string[] = [];
    const b = backendOn(root, (p, d) => {
      writes.push(`${p.slice(root.length)}=${d}`);
      writeFileSync(p, d);
    });
    assert.throws(() => b.create('0000:41:00.4', 'nvidia-1002', U1), (e: NodeJS.ErrnoException) => e.code === 'EINVAL');
    assert.deepEqual(writes, []);
    b.create('0000:41:00.4', 'nvidia-1001', U1);
    assert.equal(readFileSync(file, 'utf8'), '1001');
    assert.deepEqual(b.activeDevices(), [{ uuid: U1, parent: '0000:41:00.4', type: 'nvidia-1001' }]);
    assert.throws(() => b.create('0000:41:00.4', 'nvidia-1001', U1), (e: NodeJS.ErrnoException) => e.code === 'EBUSY');
    // Another tool replaces it with another type: our record no longer counts.
    writeFileSync(file, '1002');
    b.scan.forget();
    assert.equal(b.activeDevices()[0]?.uuid, derivedUuid('0000:41:00.4'));

    // A driver that takes the write but reads back something else: 0 is written back.
    const lying = backendOn(root, (p, d) => writeFileSync(p, d === '0' ? '0' : '77'));
    assert.throws(() => lying.create('0000:41:00.5', 'nvidia-1001', U1), (e: NodeJS.ErrnoException) => e.code === 'EIO' && /reads 77 after writing 1001/.test(e.message));
    assert.equal(readFileSync(join(root, 'sys/bus/pci/devices/0000:41:00.5/nvidia/current_vgpu_type'), 'utf8'), '0');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('backend stop: writes 0 and forgets the uuid; keeps trying while busy (bounded); refuses while a process holds the VF open', () => {
  const root = makeRoot(specs(PF1, '0000:41:00', 1, [A16_4Q]));
  const file = join(root, 'sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type');
  try {
    let busy = 2;
    const b = backendOn(root, (p, d) => {
      if (d === '0' && busy-- > 0) throw Object.assign(new Error('busy'), { code: 'EBUSY', errno: -16 });
      writeFileSync(p, d);
    });
    b.create('0000:41:00.4', 'nvidia-1001', U1);
    holdOpen(root, 4242, 'qemu-system-x86', '/dev/vfio/devices/vfio0');
    assert.deepEqual(vfioHolder(root, '0000:41:00.4'), { pid: 4242, command: 'qemu-system-x86', file: '/dev/vfio/devices/vfio0' });
    assert.throws(() => b.remove(U1), (e: NodeJS.ErrnoException) => e.code === 'EBUSY' && /process 4242 \(qemu-system-x86\) holds \/dev\/vfio\/devices\/vfio0 open; stop the VM first/.test(e.message));
    assert.equal(readFileSync(file, 'utf8'), '1001');
    rmSync(join(root, 'proc'), { recursive: true });
    b.remove(U1);
    assert.equal(readFileSync(file, 'utf8'), '0');
    assert.equal(busy, -1, 'two EBUSY answers, then the write');
    assert.equal(existsSync(join(root, UUID_MAP_DIR, '0000:41:00.4')), false);
    assert.deepEqual(b.activeDevices(), []);

    // Busy for longer than the bound: the EBUSY is the answer.
    const stuck = backendOn(root, (p, d) => {
      if (d === '0') throw Object.assign(new Error('busy'), { code: 'EBUSY', errno: -16 });
      writeFileSync(p, d);
    }, 100);
    stuck.create('0000:41:00.4', 'nvidia-1001', U1);
    assert.throws(() => stuck.remove(U1), (e: NodeJS.ErrnoException) => e.code === 'EBUSY');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('enabling VFs: sriov-manage -e PF only when the PF has none, bounded, one line on failure, sriov_numvfs re-read', () => {
  const root = makeRoot([{ vf: '0000:41:00.4', pf: PF1, types: [A16_4Q] }]);
  const numvfs = join(root, 'sys/bus/pci/devices', PF1, 'sriov_numvfs');
  const script = (body: string) => {
    const p = join(root, `sriov-manage-${Math.random().toString(36).slice(2)}`);
    writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  };
  try {
    assert.equal(enableVfs(root, PF1, { sriovManage: '/nonexistent', timeoutMs: 1000 }), `${PF1} has 1 VFs already`);
    writeFileSync(numvfs, '0\n');
    const ok = script(`[ "$1" = -e ] && [ "$2" = ${PF1} ] && echo 16 > '${numvfs}'`);
    assert.equal(enableVfs(root, PF1, { sriovManage: ok, timeoutMs: 5000 }), `${ok} -e ${PF1}: 16 VFs`);
    writeFileSync(numvfs, '0\n');
    assert.throws(() => enableVfs(root, PF1, { sriovManage: script('echo noise; echo "GPU not found" >&2; exit 1'), timeoutMs: 5000 }), /-e 0000:41:00\.0 exited 1: GPU not found$/);
    assert.throws(() => enableVfs(root, PF1, { sriovManage: script('exit 0'), timeoutMs: 5000 }), /exited 0 but 0000:41:00\.0 still has 0 VFs/);
    assert.throws(() => enableVfs(root, PF1, { sriovManage: script('exec sleep 30'), timeoutMs: 300 }), /did not finish within 300 ms/);
    assert.throws(() => enableVfs(root, PF1, { sriovManage: join(root, 'missing'), timeoutMs: 300 }), /could not run: no such program/);
    assert.throws(() => enableVfs(root, '0000:41:00.4', { sriovManage: ok, timeoutMs: 300 }), /no sriov_numvfs/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
