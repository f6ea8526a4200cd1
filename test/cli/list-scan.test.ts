// The scan of stored definitions reads each listed file in one call into node and leaves the
// doubtful ones to the careful bounded path (store/definition-store.ts): the text either way must be
// what a strict UTF-8 decoder gives — a BOM dropped, a real U+FFFD kept, bad bytes and a file of
// many characters refused or read by the bounded reader — and the order stays by name bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBin } from '../helpers/cli.js';
import { simHost } from '../helpers/sim-host.js';

const U = (n: number) => `7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e${String(n).padStart(2, '0')}`;
const config = (attrs: Array<Record<string, string>>) => JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs });

test('list -d: a BOM is dropped, a real U+FFFD is kept, bad bytes are named, a long file is still read whole', () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const dir = join(h.root, 'etc/mdevctl.d/mtty');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, U(1)), `\ufeff${config([])}`);
    writeFileSync(join(dir, U(2)), config([{ note: 'a \ufffd b' }]));
    writeFileSync(join(dir, U(3)), Buffer.concat([Buffer.from(config([{ note: 'x' }]).slice(0, -4)), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]));
    // More characters than the one-call read takes (a quarter of the 1 MiB bound), within the bound.
    writeFileSync(join(dir, U(4)), `${config([{ note: 'long' }])}${' '.repeat(300 * 1024)}`);
    const r = runBin(h.root, ['list', '-d', '-v']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `${U(1)} mtty mtty-1 manual\n` +
        `${U(2)} mtty mtty-1 manual\n  Attrs:\n    @{0}: {"note":"a \ufffd b"}\n` +
        `${U(4)} mtty mtty-1 manual\n  Attrs:\n    @{0}: {"note":"long"}\n`,
    );
    assert.match(r.stderr, new RegExp(`${U(3)}: not valid UTF-8`));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    h.cleanup();
  }
});
