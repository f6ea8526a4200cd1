// The simulated kernel's create/remove (FACTS.md §2 and §4): lengths, case, global EEXIST,
// per-driver exhaustion errno, shared pools with the exact numbers, remove's kstrtoul
// semantics, EACCES/ENOENT on open, the links a device gets, iommu groups, uevents.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedHost, SimulatedKernel } from '@mdevctl/plugin-sim';

const U1 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const U2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';

interface Host {
  root: string;
  k: SimulatedKernel;
  create: (parent: string, type: string, data: string) => void;
  remove: (uuid: string, data?: string) => void;
  avail: (parent: string, type: string) => number;
  active: () => string[];
  cleanup: () => void;
}

function fresh(parents?: string[]): Host {
  const root = mkdtempSync(join(tmpdir(), 'sim-kernel-'));
  createSimulatedHost(root, parents !== undefined ? { parents } : {});
  const k = SimulatedKernel.open(root);
  const typeFile = (p: string, t: string, f: string): string =>
    join(root, 'sys/class/mdev_bus', p, 'mdev_supported_types', t, f);
  return {
    root,
    k,
    create: (p, t, data) => k.write(typeFile(p, t, 'create'), data),
    remove: (uuid, data = '1') => k.write(join(root, 'sys/bus/mdev/devices', uuid, 'remove'), data),
    avail: (p, t) => Number(readFileSync(typeFile(p, t, 'available_instances'), 'utf8')),
    active: () => readdirSync(join(root, 'sys/bus/mdev/devices')).sort(),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

function uuid(n: number): string {
  return `5b6ee1c2-3a8e-4f7c-9c67-${n.toString(16).padStart(12, '0')}`;
}

const errno = (code: string, n: number, syscall = 'write') => ({ code, errno: n, syscall });

test('create accepts 36 or 37 bytes (any 37th char), any case; names the device in lower case', () => {
  const h = fresh(['mtty']);
  try {
    h.create('mtty', 'mtty-2', U1);
    h.create('mtty', 'mtty-1', `${U2.slice(0, 35)}2X`);
    h.create('mtty', 'mtty-1', `${uuid(3)}\n`);
    h.create('mtty', 'mtty-1', uuid(4).toUpperCase());
    assert.deepEqual(h.active(), [U1, U2, uuid(3), uuid(4)].sort());
    assert.ok(existsSync(join(h.root, 'sys/devices/virtual/mtty/mtty', uuid(4))));
  } finally {
    h.cleanup();
  }
});

test('create refuses bad lengths and bad uuids with EINVAL; an empty write is a no-op', () => {
  const h = fresh(['mtty']);
  try {
    for (const bad of [
      'not-a-uuid',
      `${U1.slice(0, 34)}zz`,
      U1.slice(0, 35),
      `${U1}\n\n`,
      `{${U1}}`,
      ` ${U1}`,
      `${U1.slice(0, 8)}_${U1.slice(9)}`,
    ]) {
      assert.throws(() => h.create('mtty', 'mtty-1', bad), errno('EINVAL', -22), JSON.stringify(bad));
    }
    h.create('mtty', 'mtty-1', '');
    assert.deepEqual(h.active(), []);
    assert.equal(h.avail('mtty', 'mtty-1'), 24);
  } finally {
    h.cleanup();
  }
});

test('EEXIST for a uuid that exists anywhere, in any case, on any parent', () => {
  const h = fresh(['mtty', 'mdpy']);
  try {
    h.create('mtty', 'mtty-2', U1);
    assert.throws(() => h.create('mtty', 'mtty-2', U1), errno('EEXIST', -17));
    assert.throws(() => h.create('mtty', 'mtty-1', `${U1}\n`), errno('EEXIST', -17));
    assert.throws(() => h.create('mdpy', 'mdpy-vga', U1), errno('EEXIST', -17));
    assert.throws(() => h.create('mtty', 'mtty-2', U1.toUpperCase()), {
      code: 'EEXIST',
      message: 'EEXIST: file already exists, write',
    });
    assert.deepEqual(h.active(), [U1]);
  } finally {
    h.cleanup();
  }
});

test('shared pools move together with the drivers\' arithmetic', () => {
  const h = fresh(['mtty', 'mbochs', 'mdpy', '0000:00:02.0']);
  try {
    h.create('mtty', 'mtty-2', U1);
    assert.equal(h.avail('mtty', 'mtty-1'), 22);
    assert.equal(h.avail('mtty', 'mtty-2'), 11);
    h.create('mbochs', 'mbochs-small', uuid(1));
    assert.deepEqual(
      ['mbochs-large', 'mbochs-medium', 'mbochs-small'].map((t) => h.avail('mbochs', t)),
      [3, 15, 63],
    );
    h.create('mdpy', 'mdpy-hd', uuid(2));
    assert.deepEqual(['mdpy-hd', 'mdpy-vga', 'mdpy-xga'].map((t) => h.avail('mdpy', t)), [3, 3, 3]);
    h.create('0000:00:02.0', 'i915-GVTg_V5_4', uuid(3));
    assert.deepEqual(
      ['i915-GVTg_V5_1', 'i915-GVTg_V5_2', 'i915-GVTg_V5_4', 'i915-GVTg_V5_8'].map((t) => h.avail('0000:00:02.0', t)),
      [0, 1, 3, 6],
    );
    h.remove(U1);
    assert.equal(h.avail('mtty', 'mtty-1'), 24);
    assert.equal(h.avail('mtty', 'mtty-2'), 12);
  } finally {
    h.cleanup();
  }
});

test('exhaustion: ENOSPC for mtty, mbochs, i915; EUSERS (node: UNKNOWN -87) for mdpy and vfio_ccw', () => {
  const h = fresh(['mtty', 'mbochs', 'mdpy', '0000:00:02.0', '0.0.0313']);
  try {
    let n = 100;
    for (let i = 0; i < 12; i++) h.create('mtty', 'mtty-2', uuid(n++));
    assert.equal(h.avail('mtty', 'mtty-1'), 0);
    assert.throws(() => h.create('mtty', 'mtty-1', uuid(n++)), {
      ...errno('ENOSPC', -28),
      message: 'ENOSPC: no space left on device, write',
    });

    for (let i = 0; i < 64; i++) h.create('mbochs', 'mbochs-small', uuid(n++));
    assert.deepEqual(['mbochs-large', 'mbochs-medium', 'mbochs-small'].map((t) => h.avail('mbochs', t)), [0, 0, 0]);
    assert.throws(() => h.create('mbochs', 'mbochs-small', uuid(n++)), errno('ENOSPC', -28));

    for (let i = 0; i < 4; i++) h.create('mdpy', 'mdpy-hd', uuid(n++));
    assert.deepEqual(['mdpy-hd', 'mdpy-vga', 'mdpy-xga'].map((t) => h.avail('mdpy', t)), [0, 0, 0]);
    assert.throws(() => h.create('mdpy', 'mdpy-vga', uuid(n++)), {
      ...errno('UNKNOWN', -87),
      message: 'UNKNOWN: unknown error, write',
    });

    h.create('0000:00:02.0', 'i915-GVTg_V5_2', uuid(n++));
    h.create('0000:00:02.0', 'i915-GVTg_V5_4', uuid(n++));
    h.create('0000:00:02.0', 'i915-GVTg_V5_8', uuid(n++));
    assert.equal(h.avail('0000:00:02.0', 'i915-GVTg_V5_8'), 1);
    assert.throws(() => h.create('0000:00:02.0', 'i915-GVTg_V5_4', uuid(n++)), errno('ENOSPC', -28));
    h.create('0000:00:02.0', 'i915-GVTg_V5_8', uuid(n++));
    assert.throws(() => h.create('0000:00:02.0', 'i915-GVTg_V5_8', uuid(n++)), errno('ENOSPC', -28));

    h.create('0.0.0313', 'vfio_ccw-io', uuid(n++));
    assert.equal(h.avail('0.0.0313', 'vfio_ccw-io'), 0);
    assert.throws(() => h.create('0.0.0313', 'vfio_ccw-io', uuid(n++)), errno('UNKNOWN', -87));
  } finally {
    h.cleanup();
  }
});

test('remove: kstrtoul base 0 — EINVAL for abc/-1, 0 and empty are no-ops, any non-zero removes, twice is ENOENT', () => {
  const h = fresh(['mtty']);
  try {
    h.create('mtty', 'mtty-2', U1);
    for (const bad of ['abc', '-1', ' 1', '1 ', '08', '0x', '1\n\n']) {
      assert.throws(() => h.remove(U1, bad), errno('EINVAL', -22), JSON.stringify(bad));
    }
    assert.throws(() => h.remove(U1, '99999999999999999999999'), errno('ERANGE', -34));
    h.remove(U1, '0');
    h.remove(U1, '');
    h.remove(U1, '0x0\n');
    assert.deepEqual(h.active(), [U1]);
    h.remove(U1, '2');
    assert.deepEqual(h.active(), []);
    const path = join(h.root, 'sys/bus/mdev/devices', U1, 'remove');
    assert.throws(() => h.remove(U1, '1'), { code: 'ENOENT', errno: -2, syscall: 'open', path });
    for (const ok of ['+1', '0x10', '017', '1\n']) {
      h.create('mtty', 'mtty-1', U2);
      h.remove(U2, ok);
      assert.deepEqual(h.active(), [], ok);
    }
  } finally {
    h.cleanup();
  }
});

test('read-only files → EACCES on open; missing paths → ENOENT on open; dirs → EISDIR', () => {
  const h = fresh(['mtty']);
  try {
    const t = join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1');
    for (const f of ['available_instances', 'name', 'device_api']) {
      assert.throws(() => h.k.write(join(t, f), '5'), {
        code: 'EACCES',
        errno: -13,
        syscall: 'open',
        message: `EACCES: permission denied, open '${join(t, f)}'`,
      });
    }
    const missing = join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-9/create');
    assert.throws(() => h.k.write(missing, U1), {
      code: 'ENOENT',
      errno: -2,
      syscall: 'open',
      message: `ENOENT: no such file or directory, open '${missing}'`,
    });
    assert.throws(() => h.k.write(t, U1), { code: 'EISDIR', syscall: 'open' });
    assert.equal(readFileSync(join(t, 'available_instances'), 'utf8'), '24\n');
  } finally {
    h.cleanup();
  }
});

test('a created device has the links and files of the real one', () => {
  const h = fresh(['mtty']);
  try {
    h.create('mtty', 'mtty-2', U1);
    const bus = join(h.root, 'sys/bus/mdev/devices', U1);
    const dev = join(h.root, 'sys/devices/virtual/mtty/mtty', U1);
    assert.equal(readlinkSync(bus), `../../../devices/virtual/mtty/mtty/${U1}`);
    assert.equal(realpathSync(bus), realpathSync(dev));
    assert.equal(readlinkSync(join(dev, 'mdev_type')), '../mdev_supported_types/mtty-2');
    assert.equal(readlinkSync(join(dev, 'iommu_group')), '../../../../../kernel/iommu_groups/0');
    assert.equal(readlinkSync(join(dev, 'driver')), '../../../../../bus/mdev/drivers/mtty');
    assert.equal(readlinkSync(join(dev, 'subsystem')), '../../../../../bus/mdev');
    assert.equal(readFileSync(join(dev, 'uevent'), 'utf8'), 'DRIVER=mtty\n');
    assert.equal(lstatSync(join(dev, 'remove')).mode & 0o777, 0o200);
    assert.equal(readFileSync(join(dev, 'vendor/sample_mdev_dev'), 'utf8'), `This is MDEV ${U1}\n`);
    assert.equal(
      readlinkSync(join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/devices', U1)),
      `../../../${U1}`,
    );
    assert.equal(
      readlinkSync(join(h.root, 'sys/kernel/iommu_groups/0/devices', U1)),
      `../../../../devices/virtual/mtty/mtty/${U1}`,
    );
    assert.equal(
      realpathSync(join(h.root, 'sys/class/mdev_bus/mtty', U1, 'mdev_type')),
      realpathSync(join(h.root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2')),
    );

    h.remove(U1);
    for (const gone of [bus, dev, join(h.root, 'sys/kernel/iommu_groups/0')]) assert.equal(existsSync(gone), false, gone);
    assert.deepEqual(readdirSync(join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/devices')), []);
  } finally {
    h.cleanup();
  }
});

test('links of devices on PCI and css parents resolve through their own depths', () => {
  const h = fresh(['0000:00:02.0', '0.0.0313']);
  try {
    h.create('0000:00:02.0', 'i915-GVTg_V5_8', U1);
    h.create('0.0.0313', 'vfio_ccw-io', U2);
    const d1 = join(h.root, 'sys/devices/pci0000:00/0000:00:02.0', U1);
    assert.equal(readlinkSync(join(h.root, 'sys/bus/mdev/devices', U1)), `../../../devices/pci0000:00/0000:00:02.0/${U1}`);
    assert.equal(readlinkSync(join(d1, 'driver')), '../../../../bus/mdev/drivers/intel_vgpu_mdev');
    assert.equal(readFileSync(join(d1, 'uevent'), 'utf8'), 'DRIVER=intel_vgpu_mdev\n');
    const d2 = join(h.root, 'sys/devices/css0/0.0.0313', U2);
    assert.equal(readlinkSync(join(d2, 'iommu_group')), '../../../../kernel/iommu_groups/1');
    assert.equal(realpathSync(join(d2, 'driver')), realpathSync(join(h.root, 'sys/bus/mdev/drivers/vfio_ccw_mdev')));
  } finally {
    h.cleanup();
  }
});

test('iommu groups are allocated lowest-free from 0 and reused after removal', () => {
  const h = fresh(['mtty']);
  try {
    const group = (u: string): string =>
      readlinkSync(join(h.root, 'sys/bus/mdev/devices', u, 'iommu_group')).split('/').pop() ?? '';
    h.create('mtty', 'mtty-1', uuid(1));
    h.create('mtty', 'mtty-1', uuid(2));
    h.create('mtty', 'mtty-1', uuid(3));
    assert.deepEqual([1, 2, 3].map((n) => group(uuid(n))), ['0', '1', '2']);
    h.remove(uuid(2));
    h.create('mtty', 'mtty-1', uuid(4));
    assert.equal(group(uuid(4)), '1');
  } finally {
    h.cleanup();
  }
});

test('create and remove log the kernel\'s uevents in order', () => {
  const h = fresh(['mtty']);
  try {
    h.create('mtty', 'mtty-2', U1);
    h.remove(U1);
    const devpath = `/devices/virtual/mtty/mtty/${U1}`;
    assert.deepEqual(
      h.k.uevents().map((e) => [e.action, e.subsystem, e.devpath]),
      [
        ['add', 'mdev', devpath],
        ['add', 'vfio', '/devices/virtual/vfio/0'],
        ['add', 'vfio-dev', `${devpath}/vfio-dev/vfio0`],
        ['bind', 'mdev', devpath],
        ['remove', 'vfio-dev', `${devpath}/vfio-dev/vfio0`],
        ['remove', 'vfio', '/devices/virtual/vfio/0'],
        ['unbind', 'mdev', devpath],
        ['remove', 'mdev', devpath],
      ],
    );
    assert.deepEqual(h.k.uevents()[3]?.env, { DRIVER: 'mtty' });
  } finally {
    h.cleanup();
  }
});

test('the tree is the state: a second kernel object sees the first one\'s devices', () => {
  const h = fresh(['mtty']);
  try {
    h.create('mtty', 'mtty-2', U1);
    const other = SimulatedKernel.open(h.root);
    assert.throws(
      () => other.write(join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create'), U1),
      errno('EEXIST', -17),
    );
    other.write(join(h.root, 'sys/bus/mdev/devices', U1, 'remove'), '1');
    assert.deepEqual(h.active(), []);
    assert.throws(() => SimulatedKernel.open(join(h.root, 'etc')), /no simulated kernel/);
  } finally {
    h.cleanup();
  }
});

test('a root reached through a symlink works the same', () => {
  const h = fresh(['mtty']);
  const link = `${h.root}-link`;
  try {
    symlinkSync(h.root, link);
    const k = SimulatedKernel.open(link);
    k.write(join(link, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create'), U1);
    assert.deepEqual(h.active(), [U1]);
    assert.equal(h.avail('mtty', 'mtty-1'), 22);
    assert.throws(() => k.write(join(link, 'sys/bus/mdev/devices', U1, 'remove'), 'x'), errno('EINVAL', -22));
    k.write(join(link, 'sys/bus/mdev/devices', U1, 'remove'), '1');
    assert.deepEqual(h.active(), []);
  } finally {
    rmSync(link, { force: true });
    h.cleanup();
  }
});
