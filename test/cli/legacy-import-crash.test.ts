// Issue 15, item 3: `import-legacy --apply` killed at every crash point of its define
// (MDEVCTL_TEST_CRASH_AT) never loses a 0.x device: right after the kill the device is defined or
// a dry run still offers it, and a second `--apply` ends with it defined, the original in the
// backup dir under its final name and nothing half-done left.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MDEVCTL_BIN, mdevctl } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { leftovers } from '../helpers/reliability.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const V = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
// Every crash point a define reaches ('attr' is only reached by a start with attributes).
const POINTS = ['define', 'validate', 'pre', 'intent', 'create', 'attrs', 'post', 'notify'];
const ORIGINAL = 'mdev_type=mtty-2\nstart=manual\n';
const JSON_DEF = '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}';

function put(h: SimHost, rel: string, content: string): void {
  mkdirSync(dirname(h.path(rel)), { recursive: true });
  writeFileSync(h.path(rel), content);
}

function host(): SimHost {
  const h = simHost({ parents: ['mtty', 'mdpy'] });
  rmSync(h.path('etc/mdevctl.d/scripts.d'), { recursive: true, force: true });
  put(h, `etc/mdevctl.d/mtty/${U}`, ORIGINAL);
  put(h, `etc/mdev.d/mdpy/${V}`, 'mdpy-vga\n');
  assert.equal(mdevctl(h.root, 'install-system-files').status, 0);
  return h;
}

for (const point of POINTS) {
  test(`import-legacy --apply killed at '${point}': the device is defined or still importable, and a second import defines it`, () => {
    const h = host();
    try {
      const r = spawnSync(process.execPath, [MDEVCTL_BIN, 'import-legacy', '--apply'], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: h.root, MDEVCTL_TEST_CRASH_AT: point },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.signal, 'SIGKILL', `killed at ${point}: ${r.stderr}`);

      const target = h.path(`etc/mdevctl.d/mtty/${U}`);
      const defined = existsSync(target) && h.read(`etc/mdevctl.d/mtty/${U}`) === JSON_DEF;
      const dry = mdevctl(h.root, 'import-legacy');
      assert.ok(defined || dry.stdout.includes(`would define ${U} on mtty: type mtty-2, start manual`), `after ${point}: lost (${dry.stdout})`);

      const again = mdevctl(h.root, 'import-legacy', '--apply');
      assert.equal(again.status, 0, `${again.stdout}${again.stderr}`);
      assert.equal(h.read(`etc/mdevctl.d/mtty/${U}`), JSON_DEF, 'defined');
      assert.equal(h.read(`etc/mdevctl-0.x-backup/mtty/${U}`), ORIGINAL, 'the original backed up under its final name');
      assert.deepEqual(readdirSync(h.path('etc/mdevctl-0.x-backup/mtty')), [U], 'no pending backup left');
      assert.equal(h.read(`etc/mdevctl.d/mdpy/${V}`), '{\n  "mdev_type": "mdpy-vga",\n  "start": "auto",\n  "attrs": []\n}');
      assert.equal(mdevctl(h.root, 'list', '-d').stdout, `${V} mdpy mdpy-vga auto\n${U} mtty mtty-2 manual\n`);
      assert.deepEqual(leftovers(h.root), []);
    } finally {
      h.cleanup();
    }
  });
}
