// Issue 16, item 3 (SPEC §8): sysfs writes open O_WRONLY|O_TRUNC, never O_CREAT, and write the
// value with no newline — on a plain tree (no simulated kernel: the kernel writer itself), a
// `create` that held other bytes ends up holding exactly the uuid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, tempDir } from '../helpers/cli.js';

const U = '11111111-2222-3333-4444-555555555555';

test('start on a plain tree: create holds exactly the uuid afterwards (truncated, no newline)', () => {
  const { dir: root, cleanup } = tempDir();
  try {
    for (const d of ['etc/mdevctl.d', 'usr/lib/mdevctl/scripts.d/callouts', 'usr/lib/mdevctl/scripts.d/notifiers', 'sys/bus/mdev/devices']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    const type = join(root, 'sys/class/mdev_bus/p0/mdev_supported_types/t1');
    mkdirSync(type, { recursive: true });
    writeFileSync(join(type, 'available_instances'), '1\n');
    writeFileSync(join(type, 'device_api'), 'vfio-pci\n');
    writeFileSync(join(type, 'create'), 'z'.repeat(80));
    runBin(root, ['start', '-u', U, '-p', 'p0', '-t', 't1']);
    assert.equal(readFileSync(join(type, 'create'), 'utf8'), U);
  } finally {
    cleanup();
  }
});
