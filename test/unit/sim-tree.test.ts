// The simulated host's tree right after createSimulatedHost: layout, links, type files and
// their exact content (FACTS.md §1), the non-parent subchannel, the AP bus masks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedHost, PARENT_NAMES } from '@mdevctl/plugin-sim';

function fresh(parents?: string[]): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'sim-tree-'));
  createSimulatedHost(root, parents !== undefined ? { parents } : {});
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const typeFile = (root: string, parent: string, type: string, file: string): string =>
  join(root, 'sys/class/mdev_bus', parent, 'mdev_supported_types', type, file);

test('a fresh host has the mdevctl dirs, the sysfs skeleton and the manifest', () => {
  const { root, cleanup } = fresh();
  try {
    for (const d of [
      'etc/mdevctl.d',
      'etc/mdevctl.d/scripts.d/callouts',
      'etc/mdevctl.d/scripts.d/notifiers',
      'usr/lib/mdevctl/scripts.d/callouts',
      'usr/lib/mdevctl/scripts.d/notifiers',
      'sys/bus/mdev/devices',
      'sys/kernel/iommu_groups',
      'sys/bus/mdev/drivers/mtty',
      'sys/bus/mdev/drivers/mdpy',
      'sys/bus/mdev/drivers/mbochs',
    ]) {
      assert.ok(lstatSync(join(root, d)).isDirectory(), d);
    }
    assert.ok(existsSync(join(root, '.mdev-sim/kernel.json')));
    assert.deepEqual(readdirSync(join(root, 'sys/bus/mdev/devices')), []);
    assert.deepEqual(readdirSync(join(root, 'sys/class/mdev_bus')).sort(), [
      '0.0.0313',
      '0000:00:02.0',
      'matrix',
      'mbochs',
      'mdpy',
      'mtty',
    ]);
  } finally {
    cleanup();
  }
});

test('class/mdev_bus links point by relative paths to the real device dirs', () => {
  const { root, cleanup } = fresh();
  try {
    const expect: Record<string, string> = {
      mtty: '../../devices/virtual/mtty/mtty',
      mdpy: '../../devices/virtual/mdpy/mdpy',
      mbochs: '../../devices/virtual/mbochs/mbochs',
      '0000:00:02.0': '../../devices/pci0000:00/0000:00:02.0',
      '0.0.0313': '../../devices/css0/0.0.0313',
      matrix: '../../devices/vfio_ap/matrix',
    };
    for (const [name, target] of Object.entries(expect)) {
      const link = join(root, 'sys/class/mdev_bus', name);
      assert.ok(lstatSync(link).isSymbolicLink(), name);
      assert.equal(readlinkSync(link), target);
      assert.equal(realpathSync(link), join(realpathSync(root), 'sys', target.slice(6)));
    }
    assert.equal(readlinkSync(join(root, 'sys/devices/virtual/mtty/mtty/subsystem')), '../../../../class/mtty');
  } finally {
    cleanup();
  }
});

test('type files of the sample drivers are exactly as on Linux 6.1', () => {
  const { root, cleanup } = fresh(['mtty', 'mdpy', 'mbochs']);
  try {
    const rows: Array<[string, string, string, string | undefined, string]> = [
      ['mbochs', 'mbochs-large', 'mbochs-large', 'virtual display, 64 MB video memory', '4'],
      ['mbochs', 'mbochs-medium', 'mbochs-medium', 'virtual display, 16 MB video memory', '16'],
      ['mbochs', 'mbochs-small', 'mbochs-small', 'virtual display, 4 MB video memory', '64'],
      ['mdpy', 'mdpy-hd', 'mdpy-hd', 'virtual display, 1920x1080 framebuffer', '4'],
      ['mdpy', 'mdpy-vga', 'mdpy-vga', 'virtual display, 640x480 framebuffer', '4'],
      ['mdpy', 'mdpy-xga', 'mdpy-xga', 'virtual display, 1024x768 framebuffer', '4'],
      ['mtty', 'mtty-1', 'Single port serial', undefined, '24'],
      ['mtty', 'mtty-2', 'Dual port serial', undefined, '12'],
    ];
    for (const [parent, type, name, description, avail] of rows) {
      const read = (f: string): string => readFileSync(typeFile(root, parent, type, f), 'utf8');
      assert.equal(read('name'), `${name}\n`, `${type} name`);
      assert.equal(read('device_api'), 'vfio-pci\n');
      assert.equal(read('available_instances'), `${avail}\n`);
      if (description === undefined) assert.equal(existsSync(typeFile(root, parent, type, 'description')), false);
      else assert.equal(read('description'), `${description}\n`);
      const create = lstatSync(typeFile(root, parent, type, 'create'));
      assert.ok(create.isFile());
      assert.equal(create.mode & 0o777, 0o200);
      assert.equal(create.size, 0);
      assert.ok(lstatSync(typeFile(root, parent, type, 'devices')).isDirectory());
    }
    assert.deepEqual(readdirSync(join(root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1')).sort(), [
      'available_instances',
      'create',
      'device_api',
      'devices',
      'name',
    ]);
  } finally {
    cleanup();
  }
});

test('i915 GVT-g types: no name file, multi-line description, one shared pool', () => {
  const { root, cleanup } = fresh(['0000:00:02.0']);
  try {
    const p = '0000:00:02.0';
    const avail = (t: string): string => readFileSync(typeFile(root, p, t, 'available_instances'), 'utf8');
    assert.equal(avail('i915-GVTg_V5_1'), '1\n');
    assert.equal(avail('i915-GVTg_V5_2'), '2\n');
    assert.equal(avail('i915-GVTg_V5_4'), '4\n');
    assert.equal(avail('i915-GVTg_V5_8'), '8\n');
    assert.equal(existsSync(typeFile(root, p, 'i915-GVTg_V5_4', 'name')), false);
    assert.equal(
      readFileSync(typeFile(root, p, 'i915-GVTg_V5_4', 'description'), 'utf8'),
      'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n',
    );
    assert.equal(readFileSync(typeFile(root, p, 'i915-GVTg_V5_4', 'device_api'), 'utf8'), 'vfio-pci\n');
    assert.equal(readlinkSync(join(root, 'sys/devices/pci0000:00/0000:00:02.0/driver')), '../../../bus/pci/drivers/i915');
  } finally {
    cleanup();
  }
});

test('subchannels: 0.0.0313 is a vfio_ccw parent, 0.0.0314 is bound to io_subchannel and is not', () => {
  const { root, cleanup } = fresh(['0.0.0313', '0.0.0314']);
  try {
    assert.equal(readlinkSync(join(root, 'sys/devices/css0/0.0.0313/driver')), '../../../bus/css/drivers/vfio_ccw');
    assert.equal(readFileSync(typeFile(root, '0.0.0313', 'vfio_ccw-io', 'name'), 'utf8'), 'I/O subchannel (Non-QDIO)\n');
    assert.equal(readFileSync(typeFile(root, '0.0.0313', 'vfio_ccw-io', 'device_api'), 'utf8'), 'vfio-ccw\n');
    assert.equal(readFileSync(typeFile(root, '0.0.0313', 'vfio_ccw-io', 'available_instances'), 'utf8'), '1\n');
    assert.equal(readlinkSync(join(root, 'sys/devices/css0/0.0.0314/driver')), '../../../bus/css/drivers/io_subchannel');
    assert.equal(existsSync(join(root, 'sys/devices/css0/0.0.0314/mdev_supported_types')), false);
    assert.equal(existsSync(join(root, 'sys/class/mdev_bus/0.0.0314')), false);
    assert.ok(lstatSync(join(root, 'sys/bus/css/drivers/vfio_ccw/bind')).isFile());
  } finally {
    cleanup();
  }
});

test('vfio_ap: the matrix parent and the AP bus masks with some APQNs released', () => {
  const { root, cleanup } = fresh(['matrix']);
  try {
    const t = (f: string): string => readFileSync(typeFile(root, 'matrix', 'vfio_ap-passthrough', f), 'utf8');
    assert.equal(t('name'), 'VFIO AP Passthrough Device\n');
    assert.equal(t('device_api'), 'vfio-ap\n');
    assert.equal(t('available_instances'), '65536\n');
    const ap = (f: string): string => readFileSync(join(root, 'sys/bus/ap', f), 'utf8');
    assert.equal(ap('ap_max_adapter_id'), '255\n');
    assert.equal(ap('ap_max_domain_id'), '255\n');
    assert.equal(ap('apmask'), `0xf9${'f'.repeat(62)}\n`);
    assert.equal(
      ap('aqmask'),
      `0xf7${'ff'.repeat(7)}fe${'ff'.repeat(12)}ef${'ff'.repeat(9)}fe\n`,
    );
    assert.equal(ap('aqmask').length, 2 + 64 + 1);
  } finally {
    cleanup();
  }
});

test('every non-empty readable file in sys ends with exactly one newline', () => {
  const { root, cleanup } = fresh();
  try {
    let checked = 0;
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        const st = lstatSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && (st.mode & 0o444) !== 0 && st.size > 0) {
          const text = readFileSync(p, 'utf8');
          assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'), p);
          checked++;
        }
      }
    };
    walk(join(root, 'sys'));
    assert.ok(checked > 40, `checked ${checked}`);
  } finally {
    cleanup();
  }
});

test('options.parents picks parents; an unknown name is refused', () => {
  const { root, cleanup } = fresh(['mtty']);
  try {
    assert.deepEqual(readdirSync(join(root, 'sys/class/mdev_bus')), ['mtty']);
    assert.equal(existsSync(join(root, 'sys/bus/ap')), false);
    assert.equal(existsSync(join(root, 'sys/devices/virtual/mdpy')), false);
    const manifest = JSON.parse(readFileSync(join(root, '.mdev-sim/kernel.json'), 'utf8')) as {
      parents: Array<{ name: string }>;
      drivers: Record<string, unknown>;
    };
    assert.deepEqual(manifest.parents.map((p) => p.name), ['mtty']);
    assert.deepEqual(Object.keys(manifest.drivers), ['mtty']);
  } finally {
    cleanup();
  }
  const other = mkdtempSync(join(tmpdir(), 'sim-tree-'));
  try {
    assert.throws(() => createSimulatedHost(other, { parents: ['mtty', 'nosuch'] }), /unknown parent 'nosuch'/);
    assert.ok(PARENT_NAMES.includes('0.0.0314'));
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
