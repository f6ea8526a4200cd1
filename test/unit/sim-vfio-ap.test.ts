// vfio_ap in the simulated kernel: assign/unassign stores (kstrtoul, ENODEV above the AP bus
// maxima, EADDRNOTAVAIL for host-owned APQNs, EADDRINUSE for APQNs of another device), the
// read-only matrix/control_domains files, and the AP bus masks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedHost, SimulatedKernel } from '@mdevctl/plugin-sim';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'aaaaaaaa-0000-4000-8000-000000000002';
const C = 'aaaaaaaa-0000-4000-8000-000000000003';

function fresh(): {
  root: string;
  k: SimulatedKernel;
  make: (u: string) => void;
  attr: (u: string, name: string, value: string) => void;
  read: (u: string, name: string) => string;
  cleanup: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), 'sim-ap-'));
  createSimulatedHost(root, { parents: ['matrix'] });
  const k = SimulatedKernel.open(root);
  const dev = (u: string, name: string): string => join(root, 'sys/bus/mdev/devices', u, name);
  return {
    root,
    k,
    make: (u) => k.write(join(root, 'sys/class/mdev_bus/matrix/mdev_supported_types/vfio_ap-passthrough/create'), u),
    attr: (u, name, value) => k.write(dev(u, name), value),
    read: (u, name) => readFileSync(dev(u, name), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

test('a vfio_ap device starts with an empty matrix and write-only assign files', () => {
  const h = fresh();
  try {
    h.make(A);
    assert.equal(h.read(A, 'matrix'), '');
    assert.equal(h.read(A, 'control_domains'), '');
    for (const f of ['assign_adapter', 'unassign_adapter', 'assign_domain', 'unassign_domain', 'assign_control_domain', 'unassign_control_domain']) {
      assert.equal(lstatSync(join(h.root, 'sys/bus/mdev/devices', A, f)).mode & 0o777, 0o200, f);
    }
    assert.equal(lstatSync(join(h.root, 'sys/bus/mdev/devices', A, 'matrix')).mode & 0o777, 0o444);
    assert.equal(readFileSync(join(h.root, 'sys/bus/mdev/devices', A, 'uevent'), 'utf8'), 'DRIVER=vfio_ap_mdev\n');
    assert.equal(
      readFileSync(join(h.root, 'sys/class/mdev_bus/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances'), 'utf8'),
      '65535\n',
    );
  } finally {
    h.cleanup();
  }
});

test('matrix shows AA. / .DDDD / AA.DDDD lines; control_domains one DDDD per line', () => {
  const h = fresh();
  try {
    h.make(A);
    h.attr(A, 'assign_adapter', '0x05');
    assert.equal(h.read(A, 'matrix'), '05.\n');
    h.attr(A, 'assign_adapter', '6\n');
    assert.equal(h.read(A, 'matrix'), '05.\n06.\n');
    h.attr(A, 'assign_domain', '0x47');
    h.attr(A, 'assign_domain', '4');
    assert.equal(h.read(A, 'matrix'), '05.0004\n05.0047\n06.0004\n06.0047\n');
    h.attr(A, 'assign_domain', '4');
    assert.equal(h.read(A, 'matrix'), '05.0004\n05.0047\n06.0004\n06.0047\n');
    h.attr(A, 'assign_control_domain', '0xab');
    h.attr(A, 'assign_control_domain', '0x3');
    assert.equal(h.read(A, 'control_domains'), '0003\n00ab\n');
    h.attr(A, 'unassign_adapter', '5');
    h.attr(A, 'unassign_adapter', '5');
    h.attr(A, 'unassign_control_domain', '3');
    assert.equal(h.read(A, 'matrix'), '06.0004\n06.0047\n');
    assert.equal(h.read(A, 'control_domains'), '00ab\n');
    h.attr(A, 'unassign_adapter', '6');
    assert.equal(h.read(A, 'matrix'), '.0004\n.0047\n');
    h.attr(A, 'unassign_domain', '0x47');
    h.attr(A, 'unassign_domain', '4');
    assert.equal(h.read(A, 'matrix'), '');
  } finally {
    h.cleanup();
  }
});

test('unparsable ids are EINVAL; ids above ap_max_*_id are ENODEV', () => {
  const h = fresh();
  try {
    h.make(A);
    for (const attr of ['assign_adapter', 'assign_domain', 'assign_control_domain', 'unassign_adapter']) {
      for (const bad of ['x', '-1', '0x', '5 ']) {
        assert.throws(() => h.attr(A, attr, bad), { code: 'EINVAL', errno: -22, syscall: 'write' }, `${attr} ${bad}`);
      }
      assert.throws(() => h.attr(A, attr, '256'), { code: 'ENODEV', errno: -19, syscall: 'write' });
      assert.throws(() => h.attr(A, attr, '0x100'), { code: 'ENODEV', errno: -19 });
    }
    h.attr(A, 'assign_control_domain', '255');
    assert.equal(h.read(A, 'control_domains'), '00ff\n');
  } finally {
    h.cleanup();
  }
});

test('EADDRINUSE when an adapter × domain is already in another device\'s matrix', () => {
  const h = fresh();
  try {
    h.make(A);
    h.make(B);
    h.attr(A, 'assign_adapter', '5');
    h.attr(A, 'assign_domain', '4');
    h.attr(B, 'assign_adapter', '5');
    assert.throws(() => h.attr(B, 'assign_domain', '4'), { code: 'EADDRINUSE', errno: -98, syscall: 'write' });
    assert.equal(h.read(B, 'matrix'), '05.\n');
    h.attr(B, 'assign_domain', '0x47');
    assert.equal(h.read(B, 'matrix'), '05.0047\n');
    assert.throws(() => h.attr(A, 'assign_domain', '0x47'), { code: 'EADDRINUSE' });
    // Control domains may be shared.
    h.attr(A, 'assign_control_domain', '4');
    h.attr(B, 'assign_control_domain', '4');
    // Once A is gone its APQNs are free again.
    h.k.write(join(h.root, 'sys/bus/mdev/devices', A, 'remove'), '1');
    h.attr(B, 'assign_domain', '4');
    assert.equal(h.read(B, 'matrix'), '05.0004\n05.0047\n');
  } finally {
    h.cleanup();
  }
});

test('EADDRNOTAVAIL when an APQN is still owned by the host (adapter in apmask and domain in aqmask)', () => {
  const h = fresh();
  try {
    h.make(C);
    h.attr(C, 'assign_adapter', '1');
    assert.throws(() => h.attr(C, 'assign_domain', '1'), { code: 'EADDRNOTAVAIL', errno: -99, syscall: 'write' });
    assert.equal(h.read(C, 'matrix'), '01.\n');
    // 01.00ff: domain 0xff is released (not in aqmask), so the APQN is not the host's.
    h.attr(C, 'assign_domain', '0xff');
    assert.equal(h.read(C, 'matrix'), '01.00ff\n');
    h.attr(C, 'assign_adapter', '2');
    assert.throws(() => h.attr(C, 'assign_domain', '2'), { code: 'EADDRNOTAVAIL' });
    assert.equal(h.read(C, 'matrix'), '01.00ff\n02.00ff\n');
    h.make(A);
    h.attr(A, 'assign_domain', '1');
    assert.throws(() => h.attr(A, 'assign_adapter', '0'), { code: 'EADDRNOTAVAIL' });
    h.attr(A, 'assign_adapter', '5');
    assert.equal(h.read(A, 'matrix'), '05.0001\n');
  } finally {
    h.cleanup();
  }
});

test('matrix and control_domains are read-only (EACCES on open)', () => {
  const h = fresh();
  try {
    h.make(A);
    assert.throws(() => h.attr(A, 'matrix', '05.0004'), { code: 'EACCES', errno: -13, syscall: 'open' });
    assert.throws(() => h.attr(A, 'control_domains', '4'), { code: 'EACCES', syscall: 'open' });
  } finally {
    h.cleanup();
  }
});

test('apmask/aqmask accept absolute and relative values; taking back an APQN in use is EBUSY', () => {
  const h = fresh();
  try {
    const mask = (f: string): string => readFileSync(join(h.root, 'sys/bus/ap', f), 'utf8');
    const write = (f: string, v: string): void => h.k.write(join(h.root, 'sys/bus/ap', f), v);
    h.make(C);
    h.attr(C, 'assign_adapter', '1');
    h.attr(C, 'assign_domain', '0xff');
    assert.throws(() => write('aqmask', '+255'), { code: 'EBUSY', errno: -16 });
    assert.equal(mask('aqmask').slice(-3), 'fe\n');
    write('apmask', '+5');
    assert.equal(mask('apmask'), `0xfd${'f'.repeat(62)}\n`);
    write('apmask', '-0-7\n');
    assert.equal(mask('apmask'), `0x00${'f'.repeat(62)}\n`);
    write('apmask', '0x80');
    assert.equal(mask('apmask'), `0x80${'0'.repeat(62)}\n`);
    assert.throws(() => write('apmask', 'zz'), { code: 'EINVAL' });
    // Adapter 1 released now: 01.0001 is assignable.
    h.attr(C, 'assign_domain', '1');
    assert.equal(h.read(C, 'matrix'), '01.0001\n01.00ff\n');
  } finally {
    h.cleanup();
  }
});
