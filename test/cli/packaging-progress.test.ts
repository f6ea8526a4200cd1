// Progress of long operations (start-parent-mdevs, import-legacy) is drawn on stderr only when
// stderr is a terminal; stdout, and stderr that is a file or a pipe, never change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mdevctl } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { inProcess } from '../helpers/packaging.js';

const ERASE = '\r\x1b[K';
const UUIDS = ['01', '02', '03'].map((n) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f${n}`);

function withHost(fn: (h: SimHost) => Promise<void>): () => Promise<void> {
  return async () => {
    const h = simHost({ parents: ['mtty'] });
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

/** What a terminal shows at the end: each line as it was last drawn. */
function screen(text: string): string[] {
  return text
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      return (parts[parts.length - 1] ?? '').replaceAll('\x1b[K', '');
    })
    .filter((l) => l !== '');
}

test(
  'start-parent-mdevs: [i/n] on a terminal, erased at the end; nothing when stderr is no terminal',
  withHost(async (h) => {
    for (const u of UUIDS) assert.equal(mdevctl(h.root, 'define', '-u', u, '-p', 'mtty', '-t', 'mtty-1', '--auto').status, 0);
    const tty = await inProcess(h.root, ['start-parent-mdevs', 'mtty'], { tty: true });
    assert.equal(tty.status, 0);
    assert.equal(tty.stdout, '');
    for (const [i, u] of UUIDS.entries()) assert.ok(tty.stderr.includes(`${ERASE}[${i + 1}/3] starting ${u} on mtty`), JSON.stringify(tty.stderr));
    assert.ok(tty.stderr.endsWith(ERASE), 'the line is erased at the end');
    assert.deepEqual(screen(tty.stderr), []);
    assert.deepEqual(h.activeUuids(), UUIDS);

    // Warnings appear on lines of their own, never glued to the progress line.
    const again = await inProcess(h.root, ['start-parent-mdevs', 'mtty'], { tty: true });
    assert.equal(again.status, 0);
    const shown = screen(again.stderr);
    assert.equal(shown.length, 3, JSON.stringify(again.stderr));
    for (const line of shown) assert.match(line, /^\[\S+ WARN {2}mdevctl\] Device [0-9a-f-]{36} already exists: it is running$/);

    // Not a terminal (or TERM=dumb): exactly what udev's runs log.
    const plain = await inProcess(h.root, ['start-parent-mdevs', 'mtty']);
    assert.equal(plain.stderr.split('\n').filter((l) => l !== '').length, 3);
    assert.ok(!plain.stderr.includes('\r') && !plain.stderr.includes('[1/3]'), plain.stderr);
    const dumb = await inProcess(h.root, ['start-parent-mdevs', 'mtty'], { tty: true, env: { TERM: 'dumb' } });
    assert.equal(dumb.stderr.split('\n').filter((l) => l !== '').length, 3);
    assert.ok(!dumb.stderr.includes('\r') && !dumb.stderr.includes('[1/3]'), dumb.stderr);
  }),
);

test(
  'import-legacy: progress on a terminal only; stdout is the same either way',
  withHost(async (h) => {
    for (const u of UUIDS) {
      const path = h.path(`etc/mdevctl.d/mtty/${u}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, 'mdev_type=mtty-2\nstart=manual\n');
    }
    const plain = await inProcess(h.root, ['import-legacy']);
    const tty = await inProcess(h.root, ['import-legacy'], { tty: true });
    assert.equal(plain.status, 0);
    assert.equal(tty.status, 0);
    assert.equal(tty.stdout, plain.stdout);
    assert.equal(plain.stderr, '');
    for (const [i, u] of UUIDS.entries()) {
      assert.ok(tty.stderr.includes(`${ERASE}[${i + 1}/3] checking mtty/${u}`), JSON.stringify(tty.stderr));
    }
    assert.deepEqual(screen(tty.stderr), []);
    const applied = await inProcess(h.root, ['import-legacy', '--apply'], { tty: true });
    assert.equal(applied.status, 0, applied.stdout);
    assert.ok(applied.stderr.includes('[3/3] importing '), JSON.stringify(applied.stderr));
    assert.deepEqual(screen(applied.stderr), []);
    assert.match(applied.stdout, /^3 imported, 0 skipped \(already defined\), 0 invalid$/m);
  }),
);
