// The simulated kernel beyond single writes: applying a foreign program's plain-file writes
// (sync), parent unplug/plug with their uevents, css bind/unbind, the cross-process lock
// under concurrent writers, and the mdevctl-sim command.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedHost, SimulatedKernel } from '@mdevctl/plugin-sim';
import { REPO, SIM_BIN } from '../helpers/cli.js';

const U1 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const U2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';

function fresh(parents?: string[]): { root: string; k: SimulatedKernel; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'sim-sync-'));
  createSimulatedHost(root, parents !== undefined ? { parents } : {});
  return { root, k: SimulatedKernel.open(root), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const createFile = (root: string, parent: string, type: string): string =>
  join(root, 'sys/class/mdev_bus', parent, 'mdev_supported_types', type, 'create');
const active = (root: string): string[] => readdirSync(join(root, 'sys/bus/mdev/devices')).sort();

test('sync applies uuids a foreign program wrote into create files, then empties them', () => {
  const { root, k, cleanup } = fresh(['mtty', 'mdpy']);
  try {
    writeFileSync(createFile(root, 'mtty', 'mtty-2'), U1);
    writeFileSync(createFile(root, 'mdpy', 'mdpy-vga'), `${U2}\n`);
    writeFileSync(createFile(root, 'mtty', 'mtty-1'), 'garbage');
    const results = k.sync();
    assert.deepEqual(active(root), [U1, U2]);
    assert.equal(readFileSync(join(root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances'), 'utf8'), '22\n');
    for (const [p, t] of [['mtty', 'mtty-2'], ['mdpy', 'mdpy-vga'], ['mtty', 'mtty-1']] as const) {
      assert.equal(lstatSync(createFile(root, p, t)).size, 0);
      assert.equal(lstatSync(createFile(root, p, t)).mode & 0o777, 0o200);
    }
    assert.equal(results.length, 3);
    const bad = results.find((r) => r.data === 'garbage');
    assert.equal(bad?.error?.code, 'EINVAL');
    assert.equal(results.filter((r) => r.error === undefined).length, 2);
    assert.deepEqual(k.sync(), []);
  } finally {
    cleanup();
  }
});

test('sync applies foreign vfio_ap attribute writes, then foreign removes', () => {
  const { root, k, cleanup } = fresh(['mtty', 'matrix']);
  try {
    k.write(createFile(root, 'matrix', 'vfio_ap-passthrough'), U1);
    k.write(createFile(root, 'mtty', 'mtty-1'), U2);
    writeFileSync(join(root, 'sys/bus/mdev/devices', U1, 'assign_adapter'), '5');
    writeFileSync(join(root, 'sys/bus/mdev/devices', U1, 'assign_domain'), '0x47');
    writeFileSync(join(root, 'sys/bus/mdev/devices', U2, 'remove'), '1');
    const results = k.sync();
    assert.ok(results.every((r) => r.error === undefined));
    assert.equal(readFileSync(join(root, 'sys/bus/mdev/devices', U1, 'matrix'), 'utf8'), '05.0047\n');
    assert.equal(lstatSync(join(root, 'sys/bus/mdev/devices', U1, 'assign_adapter')).size, 0);
    assert.deepEqual(active(root), [U1]);
    writeFileSync(join(root, 'sys/bus/mdev/devices', U1, 'remove'), '0');
    k.sync();
    assert.deepEqual(active(root), [U1]);
  } finally {
    cleanup();
  }
});

test('unplug removes a sample parent with its devices; plug brings it back with fresh pools', () => {
  const { root, k, cleanup } = fresh(['mtty', 'mdpy']);
  try {
    k.write(createFile(root, 'mtty', 'mtty-2'), U1);
    k.write(createFile(root, 'mtty', 'mtty-1'), U2);
    const before = k.uevents().length;
    k.unplugParent('mtty');
    assert.deepEqual(active(root), []);
    assert.equal(existsSync(join(root, 'sys/class/mdev_bus/mtty')), false);
    assert.equal(existsSync(join(root, 'sys/devices/virtual/mtty/mtty')), false);
    assert.equal(existsSync(join(root, 'sys/bus/mdev/drivers/mtty')), false);
    assert.equal(existsSync(join(root, 'sys/kernel/iommu_groups/0')), false);
    assert.deepEqual(readdirSync(join(root, 'sys/class/mdev_bus')), ['mdpy']);
    const events = k.uevents().slice(before);
    const parent = '/devices/virtual/mtty/mtty';
    assert.deepEqual(
      events.map((e) => `${e.action} ${e.subsystem} ${e.devpath}`),
      [
        `remove vfio-dev ${parent}/${U1}/vfio-dev/vfio0`,
        'remove vfio /devices/virtual/vfio/0',
        `unbind mdev ${parent}/${U1}`,
        `remove mdev ${parent}/${U1}`,
        `remove vfio-dev ${parent}/${U2}/vfio-dev/vfio1`,
        'remove vfio /devices/virtual/vfio/1',
        `unbind mdev ${parent}/${U2}`,
        `remove mdev ${parent}/${U2}`,
        `change mtty ${parent}`,
        `remove mtty ${parent}`,
      ],
    );
    assert.deepEqual(events[8]?.env, { MDEV_STATE: 'unregistered' });
    assert.throws(() => k.unplugParent('mtty'), /not registered/);

    const mark = k.uevents().length;
    k.plugParent('mtty');
    assert.deepEqual(k.uevents().slice(mark), [
      { action: 'add', devpath: parent, subsystem: 'mtty', env: {} },
      { action: 'change', devpath: parent, subsystem: 'mtty', env: { MDEV_STATE: 'registered' } },
    ]);
    const line = readFileSync(join(root, '.mdev-sim/uevents.log'), 'utf8').trimEnd().split('\n').pop();
    assert.equal(line, '{"action":"change","devpath":"/devices/virtual/mtty/mtty","subsystem":"mtty","env":{"MDEV_STATE":"registered"}}');
    assert.equal(readlinkSync(join(root, 'sys/class/mdev_bus/mtty')), '../../devices/virtual/mtty/mtty');
    assert.equal(readFileSync(join(root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/available_instances'), 'utf8'), '12\n');
    k.write(createFile(root, 'mtty', 'mtty-2'), U1);
    assert.deepEqual(active(root), [U1]);
    assert.throws(() => k.plugParent('mtty'), /already registered/);
    assert.throws(() => k.plugParent('nosuch'), /unknown parent 'nosuch'/);
  } finally {
    cleanup();
  }
});

test('unplugging the PCI parent keeps the PCI device but drops its types', () => {
  const { root, k, cleanup } = fresh(['0000:00:02.0']);
  try {
    k.write(createFile(root, '0000:00:02.0', 'i915-GVTg_V5_8'), U1);
    k.unplugParent('0000:00:02.0');
    assert.deepEqual(active(root), []);
    assert.ok(existsSync(join(root, 'sys/devices/pci0000:00/0000:00:02.0/uevent')));
    assert.equal(existsSync(join(root, 'sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types')), false);
    assert.deepEqual(k.uevents().slice(-1)[0]?.env, { MDEV_STATE: 'unregistered' });
    k.plugParent('0000:00:02.0');
    assert.equal(
      readFileSync(createFile(root, '0000:00:02.0', 'i915-GVTg_V5_8').replace(/create$/, 'available_instances'), 'utf8'),
      '8\n',
    );
  } finally {
    cleanup();
  }
});

test('css subchannels: binding to vfio_ccw registers a parent, unbinding unregisters it', () => {
  const { root, k, cleanup } = fresh(['0.0.0313', '0.0.0314']);
  try {
    const drv = (d: string, f: string): string => join(root, 'sys/bus/css/drivers', d, f);
    assert.throws(() => k.write(drv('vfio_ccw', 'bind'), '0.0.0314'), { code: 'EBUSY', syscall: 'write' });
    assert.throws(() => k.write(drv('vfio_ccw', 'unbind'), '0.0.0314'), { code: 'ENODEV' });
    assert.throws(() => k.write(drv('vfio_ccw', 'bind'), '0.0.0399'), { code: 'ENODEV' });
    k.write(drv('io_subchannel', 'unbind'), '0.0.0314\n');
    assert.equal(existsSync(join(root, 'sys/devices/css0/0.0.0314/driver')), false);
    k.write(drv('vfio_ccw', 'bind'), '0.0.0314');
    assert.equal(readlinkSync(join(root, 'sys/class/mdev_bus/0.0.0314')), '../../devices/css0/0.0.0314');
    assert.equal(readFileSync(join(root, 'sys/devices/css0/0.0.0314/uevent'), 'utf8').split('\n')[0], 'DRIVER=vfio_ccw');
    k.write(createFile(root, '0.0.0314', 'vfio_ccw-io'), U1);
    k.write(drv('vfio_ccw', 'unbind'), '0.0.0314');
    assert.deepEqual(active(root), []);
    assert.equal(existsSync(join(root, 'sys/class/mdev_bus/0.0.0314')), false);

    k.unplugParent('0.0.0313');
    assert.equal(existsSync(join(root, 'sys/devices/css0/0.0.0313/driver')), false);
    k.plugParent('0.0.0313');
    assert.equal(readlinkSync(join(root, 'sys/devices/css0/0.0.0313/driver')), '../../../bus/css/drivers/vfio_ccw');
    assert.ok(existsSync(createFile(root, '0.0.0313', 'vfio_ccw-io')));
  } finally {
    cleanup();
  }
});

test('a lock left by a dead process is taken over', () => {
  const { root, k, cleanup } = fresh(['mtty']);
  try {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    assert.ok(typeof dead === 'number');
    writeFileSync(join(root, '.mdev-sim/kernel.lock'), `${dead}\n`);
    k.write(createFile(root, 'mtty', 'mtty-1'), U1);
    assert.deepEqual(active(root), [U1]);
    assert.equal(existsSync(join(root, '.mdev-sim/kernel.lock')), false);
  } finally {
    cleanup();
  }
});

test('concurrent processes share one pool exactly (24 mtty ports, 30 attempts)', async () => {
  const { root, cleanup } = fresh(['mtty']);
  try {
    const mod = join(REPO, 'plugins/sim/dist/index.js');
    const script = `
      const { SimulatedKernel } = await import(${JSON.stringify(mod)});
      const [root, base] = process.argv.slice(1);
      const k = SimulatedKernel.open(root);
      const out = { ok: 0, nospc: 0 };
      for (let i = 0; i < 3; i++) {
        const u = '5b6ee1c2-3a8e-4f7c-9c67-' + (Number(base) * 10 + i).toString(16).padStart(12, '0');
        try { k.write(root + '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create', u); out.ok++; }
        catch (e) { if (e.code !== 'ENOSPC') throw e; out.nospc++; }
      }
      process.stdout.write(JSON.stringify(out));`;
    const runs = Array.from({ length: 10 }, (_, i) =>
      new Promise<{ ok: number; nospc: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, root, String(i + 1)]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { ok: number; nospc: number }) : reject(new Error(err))));
      }),
    );
    const results = await Promise.all(runs);
    assert.equal(results.reduce((s, r) => s + r.ok, 0), 24);
    assert.equal(results.reduce((s, r) => s + r.nospc, 0), 6);
    assert.equal(active(root).length, 24);
    assert.equal(readdirSync(join(root, 'sys/kernel/iommu_groups')).length, 24);
    assert.equal(readFileSync(join(root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances'), 'utf8'), '0\n');
    assert.deepEqual(readdirSync(join(root, '.mdev-sim')).filter((f) => f !== 'tmp').sort(), ['kernel.json', 'uevents.log']);
    assert.deepEqual(readdirSync(join(root, '.mdev-sim/tmp')), []);
  } finally {
    cleanup();
  }
});

function sim(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SIM_BIN, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('mdevctl-sim: init, sync, unplug, plug, help and errors', () => {
  const base = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  try {
    const help = sim('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: mdevctl-sim/);
    assert.equal(sim().status, 2);
    assert.equal(sim('frobnicate').status, 2);
    assert.equal(sim('init').status, 2);

    const root = join(base, 'host');
    let r = sim('init', root, '--parents', 'mtty,mdpy');
    assert.deepEqual(r, {
      status: 0,
      stdout: `Created a simulated host in ${root} with parents mtty, mdpy; use it with MDEVCTL_ENV_ROOT=${root}\n`,
      stderr: '',
    });
    assert.deepEqual(readdirSync(join(root, 'sys/class/mdev_bus')).sort(), ['mdpy', 'mtty']);

    r = sim('init', root);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mdevctl-sim: .* is not empty .*--force.*\n$/);
    mkdirSync(join(root, 'etc/mdevctl.d/mtty'), { recursive: true });
    writeFileSync(join(root, 'etc/mdevctl.d/mtty', U1), '{}');
    r = sim('init', root, '--force', '--parents=mtty,0000:00:02.0', '--gvt-off');
    assert.deepEqual(r, {
      status: 0,
      stdout: `Rebuilt the simulated host in ${root} (etc/ and usr/ kept) with parents mtty, 0000:00:02.0 (GVT-g off); use it with MDEVCTL_ENV_ROOT=${root}\n`,
      stderr: '',
    });
    assert.deepEqual(readdirSync(join(root, 'sys/class/mdev_bus')), ['mtty']); // the GPU registers no mdev parent with GVT-g off
    assert.ok(existsSync(join(root, 'etc/mdevctl.d/mtty', U1)), 'definitions survive --force');

    r = sim('init', join(base, 'other'), '--parents', 'mtty,bogus');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mdevctl-sim: unknown parent 'bogus'.*\n$/);

    writeFileSync(createFile(root, 'mtty', 'mtty-2'), U1);
    assert.deepEqual(sim('sync', root), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(active(root), [U1]);
    writeFileSync(createFile(root, 'mtty', 'mtty-2'), U1);
    r = sim('sync', root);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /EEXIST: file already exists, write\n$/);

    assert.equal(sim('unplug', root, 'mtty').status, 0);
    assert.deepEqual(active(root), []);
    r = sim('unplug', root, 'mtty');
    assert.equal(r.status, 1);
    assert.equal(r.stderr.split('\n').length, 2);
    assert.equal(sim('plug', root, 'mtty').status, 0);
    assert.ok(existsSync(join(root, 'sys/class/mdev_bus/mtty')));
    assert.equal(sim('plug', root).status, 2);
    r = sim('sync', join(base, 'nowhere'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no simulated kernel/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
