// Checks the chroot harness for Debian's mdevctl 1.2.0 on a hand-made minimal tree (no simulated
// kernel, no code of ours): what the tree needs, that output and files come back as 1.2.0 makes them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { debianMdevctl, prepareDebianRoot, runDebian, type DebianMdevctl } from '../helpers/debian-mdevctl.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

/** sys/class/mdev_bus/mtty -> ../../devices/virtual/mtty/mtty with one type, mtty-2. */
function minimalTree(root: string): void {
  const type = join(root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2');
  mkdirSync(join(type, 'devices'), { recursive: true });
  writeFileSync(join(type, 'name'), 'Dual port serial\n');
  writeFileSync(join(type, 'device_api'), 'vfio-pci\n');
  writeFileSync(join(type, 'available_instances'), '12\n');
  writeFileSync(join(type, 'create'), '');
  mkdirSync(join(root, 'sys/class/mdev_bus'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/mdev/devices'), { recursive: true });
  symlinkSync('../../devices/virtual/mtty/mtty', join(root, 'sys/class/mdev_bus/mtty'));
}

function withTree(t: { skip(msg: string): void }, fn: (root: string, m: DebianMdevctl) => void): void {
  const a = debianMdevctl();
  if (!a.ok) {
    t.skip(`Debian mdevctl unavailable: ${a.reason}`);
    return;
  }
  const { dir, cleanup } = tempDir('mdevctl-debian-');
  try {
    minimalTree(dir);
    prepareDebianRoot(dir, a.mdevctl);
    fn(dir, a.mdevctl);
  } finally {
    cleanup();
  }
}

test('harness: finds mdevctl 1.2.x and runs it in a chroot', (t) => {
  withTree(t, (root, m) => {
    assert.match(m.version, /^mdevctl 1\.2\./);
    const r = runDebian(root, m, ['--version']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${m.version}\n`);
  });
});

test('harness: 1.2.0 requires etc/mdevctl.d and its scripts.d/{callouts,notifiers} dirs', (t) => {
  withTree(t, (root, m) => {
    rmSync(join(root, 'etc/mdevctl.d/scripts.d/notifiers'), { recursive: true });
    const r = runDebian(root, m, ['list']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /scripts\.d\/notifiers/);
  });
});

test('harness: types, define and list come back byte for byte', (t) => {
  withTree(t, (root, m) => {
    const types = runDebian(root, m, ['types', '-p', 'mtty']);
    assert.deepEqual(types, {
      status: 0,
      stdout: 'mtty\n  mtty-2\n    Available instances: 12\n    Device API: vfio-pci\n    Name: Dual port serial\n\n',
      stderr: '',
    });
    assert.deepEqual(runDebian(root, m, ['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U]), {
      status: 0,
      stdout: '',
      stderr: '',
    });
    assert.equal(
      readFileSync(join(root, 'etc/mdevctl.d/mtty', U), 'utf8'),
      '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}',
    );
    assert.equal(runDebian(root, m, ['list', '-d']).stdout, `${U} mtty mtty-2 manual\n\n`);
    assert.equal(runDebian(root, m, ['-d'], { lsmdev: true }).stdout, `${U} mtty mtty-2 manual\n\n`);
  });
});

test('harness: start writes the uuid to the type create file; unread input is fine', (t) => {
  withTree(t, (root, m) => {
    writeFileSync(join(root, 'cfg.json'), '{"mdev_type":"mtty-2","start":"auto"}');
    assert.equal(runDebian(root, m, ['define', '-p', 'mtty', '-u', U, '--jsonfile', '/cfg.json']).status, 0);
    assert.equal(runDebian(root, m, ['start', '-u', U]).status, 0);
    const create = join(root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/create');
    assert.equal(readFileSync(create, 'utf8').trim(), U);
    for (let i = 0; i < 5; i++) {
      const bad = runDebian(root, m, ['start', '-u', 'not-a-uuid'], { input: 'x'.repeat(1 << 20) });
      assert.equal(bad.status, 2);
    }
  });
});
