// Issue 23 item 4: a bind-mounted definitions dir (containers, image builders). A definition
// used to be staged in etc/ and renamed into etc/mdevctl.d, which fails with EXDEV across a
// mount point (even of the same file system: a bind mount keeps st_dev), so every define and
// apply failed. The bind mount is real, made inside `unshare -m` (it exists only for that shell).

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canMount, inMountNamespace } from '../helpers/reliability.js';
import { simHost } from '../helpers/sim-host.js';

const U1 = '5a4e3c2b-1d0f-4e8a-9b7c-6d5e4f3a2b01';
const U2 = '5a4e3c2b-1d0f-4e8a-9b7c-6d5e4f3a2b02';

test('with etc/mdevctl.d a bind mount: define, modify, define --jsonfile, apply and undefine work; no temp file anywhere', { skip: canMount ? false : 'needs root and unshare -m' }, () => {
  const h = simHost({ parents: ['mtty', 'mdpy'] });
  const shared = join(h.root, 'host-definitions');
  mkdirSync(shared);
  writeFileSync(h.path('dev.json'), JSON.stringify({ mdev_type: 'mtty-2', start: 'auto', attrs: [] }));
  writeFileSync(h.path('desired.yaml'), 'name: lab\ndevices:\n  - {name: d, parent: mdpy, type: mdpy-vga, start: manual}\n');
  try {
    const r = inMountNamespace(
      h.root,
      `set -e
mkdir -p "$R/etc/mdevctl.d"
mount --bind "$R/host-definitions" "$R/etc/mdevctl.d"
m() { "$NODE" "$BIN" "$@"; }
m define -u "$U1" -p mtty -t mtty-1
m modify -u "$U1" --auto
m define -u "$U2" -p mtty --jsonfile "$R/dev.json"
m apply "$R/desired.yaml" >/dev/null
m undefine -u "$U2"
m list -d
`,
      { U1, U2 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.includes(`${U1} mtty mtty-1 auto`), r.stdout);
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines.find((l) => l.includes(' mdpy ')) ?? '', / mdpy mdpy-vga manual \(active\)$/);
    // Everything landed in the mounted dir (the "host's"), and no temp file is left there or in etc/.
    assert.deepEqual(readdirSync(join(shared, 'mtty')), [U1]);
    assert.equal(JSON.parse(readFileSync(join(shared, 'mtty', U1), 'utf8')).start, 'auto');
    assert.equal(readdirSync(join(shared, 'mdpy')).length, 1);
    assert.deepEqual(readdirSync(h.path('etc')), ['mdevctl.d']);
  } finally {
    h.cleanup();
  }
});
