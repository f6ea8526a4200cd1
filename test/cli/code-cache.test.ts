// The V8 code cache beside the bundle (core/dist/bundle/mdevctl.cjs.cache, written at build time)
// is per node version: a program started by another node must ignore it cleanly — same output,
// nothing on stderr — and the node that made it must use it. On a copy of the built program
// (core/bin, the bundle) with caches made here: by this node, garbage, and, for every other node
// line cached by test/node-lts.mjs (MDEVCTL_TEST_CACHE/node/<major>), by that node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSimulatedHost } from '@mdevctl/plugin-sim';
import { REPO, tempDir } from '../helpers/cli.js';
import { testCacheDir } from '../helpers/cache.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

interface Copy {
  dir: string;
  root: string;
  cleanup(): void;
}

/** core/bin and the bundle copied to a temp dir (no cache yet), and a plain host tree with one definition. */
function copyOfProgram(): Copy {
  const { dir, cleanup } = tempDir('mdevctl-code-cache-');
  mkdirSync(join(dir, 'core/bin'), { recursive: true });
  mkdirSync(join(dir, 'core/dist/bundle'), { recursive: true });
  for (const f of ['launch.cjs', 'mdevctl.js', 'package.json']) copyFileSync(join(REPO, 'core/bin', f), join(dir, 'core/bin', f));
  copyFileSync(join(REPO, 'core/dist/bundle/mdevctl.cjs'), join(dir, 'core/dist/bundle/mdevctl.cjs'));
  const root = join(dir, 'host');
  createSimulatedHost(root, { parents: ['mtty'] });
  rmSync(join(root, '.mdev-sim'), { recursive: true, force: true }); // a plain tree: no simulator code loaded
  mkdirSync(join(root, 'etc/mdevctl.d/mtty'), { recursive: true });
  writeFileSync(join(root, 'etc/mdevctl.d/mtty', U), '{"mdev_type":"mtty-1","start":"auto","attrs":[]}\n');
  return { dir, root, cleanup };
}

/** `node` writes the copy's code cache as the build does (scripts/code-cache.mjs). */
function writeCache(node: string, copy: Copy): void {
  const script = `require(${JSON.stringify(join(copy.dir, 'core/bin/launch.cjs'))}).writeCodeCache('mdevctl', (m) =>
    m.main(['list', '-d'], { stdout: { write: () => true }, stderr: { write: () => true }, env: { MDEVCTL_ENV_ROOT: ${JSON.stringify(copy.root)} } }, { program: 'mdevctl' }))`;
  const r = spawnSync(node, ['-e', script], { encoding: 'utf8', env: {} });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(copy.dir, 'core/dist/bundle/mdevctl.cjs.cache')));
}

/** What `node` makes of the copy's cache (V8's cachedDataRejected), and the program's run. */
function runWith(node: string, copy: Copy): { rejected: boolean; status: number; stdout: string; stderr: string } {
  const probe = `const b = require(${JSON.stringify(join(copy.dir, 'core/bin/launch.cjs'))}).loadBundle('mdevctl'); process.stdout.write(String(b.script.cachedDataRejected))`;
  const p = spawnSync(node, ['-e', probe], { encoding: 'utf8', env: {} });
  assert.equal(p.status, 0, p.stderr);
  const r = spawnSync(node, [join(copy.dir, 'core/bin/mdevctl.js'), 'list', '-d'], { encoding: 'utf8', env: { MDEVCTL_ENV_ROOT: copy.root } });
  return { rejected: p.stdout === 'true', status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const LISTED = { status: 0, stdout: `${U} mtty mtty-1 auto\n`, stderr: '' };

test('the code cache: used by the node that made it; garbage is ignored cleanly', () => {
  const copy = copyOfProgram();
  try {
    writeCache(process.execPath, copy);
    const own = runWith(process.execPath, copy);
    assert.deepEqual(own, { rejected: false, ...LISTED });
    writeFileSync(join(copy.dir, 'core/dist/bundle/mdevctl.cjs.cache'), Buffer.alloc(4096, 0x5a));
    assert.deepEqual(runWith(process.execPath, copy), { rejected: true, ...LISTED });
  } finally {
    copy.cleanup();
  }
});

/** The other node lines test/node-lts.mjs has unpacked into the test cache. */
function otherNodes(): string[] {
  const base = join(testCacheDir(), 'node');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((major) => !major.startsWith('.') && existsSync(join(base, major, '.complete')))
    .map((major) => join(base, major, 'bin/node'))
    .filter((node) => spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim() !== process.version);
}

test("a cache made by another node version is ignored cleanly, each way (the node lines test/node-lts.mjs fetched)", (t) => {
  const others = otherNodes();
  if (others.length === 0) {
    t.skip(`no other node version in ${join(testCacheDir(), 'node')} (test/node-lts.mjs fetches them)`);
    return;
  }
  for (const other of others) {
    const copy = copyOfProgram();
    try {
      writeCache(process.execPath, copy);
      assert.deepEqual(runWith(other, copy), { rejected: true, ...LISTED }, `${other} with ${process.version}'s cache`);
      writeCache(other, copy);
      assert.deepEqual(runWith(process.execPath, copy), { rejected: true, ...LISTED }, `${process.version} with ${other}'s cache`);
      assert.deepEqual(runWith(other, copy), { rejected: false, ...LISTED }, `${other} with its own cache`);
    } finally {
      copy.cleanup();
    }
  }
});
