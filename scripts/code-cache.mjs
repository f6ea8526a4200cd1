#!/usr/bin/env node
// Writes the V8 code cache of each bundle (run by scripts/bundle.mjs, in a fresh node): loads the
// bundle, runs the commands a host runs most on a temp tree (their output discarded), and saves
// what V8 compiled for them next to the bundle. Prints one line per cache. The tree is a
// simulated host's with the simulator's marker removed, so the runs take the kernel's path (the
// kernel backend writing plain files), as on a real host, and load no simulator code.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const { writeCodeCache } = require(join(repo, 'core/bin/launch.cjs'));
const { createSimulatedHost } = await import(join(repo, 'plugins/sim/dist/index.js'));

const U = '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace';
/** mdevctl's most frequent runs: listings, libvirt's calls, the lifecycle, the udev rule's. */
const RUNS = [
  ['list'], ['list', '-d'], ['list', '-d', '-v', '--dumpjson'], ['list', '--dumpjson'], ['types'], ['types', '--dumpjson'],
  ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], ['modify', '-u', U, '--auto'], ['start', '-u', U], ['list', '-v'],
  ['stop', '-u', U], ['start-parent-mdevs', 'mtty'], ['stop', '-u', U], ['undefine', '-u', U], ['start', '-u', 'bad'],
];

const sink = { write: () => true };

const root = mkdtempSync(join(tmpdir(), 'mdevctl-code-cache-'));
try {
  createSimulatedHost(root);
  rmSync(join(root, '.mdev-sim'), { recursive: true, force: true }); // a plain tree: the kernel backend
  const io = { stdout: sink, stderr: sink, env: { MDEVCTL_ENV_ROOT: root } };
  const caches = [
    await writeCodeCache('mdevctl', async (m) => {
      for (const args of RUNS) await m.main(args, io, { program: 'mdevctl' });
      await m.main(['-d'], io, { program: 'lsmdev' });
    }),
  ];
  for (const c of caches) if (c) process.stdout.write(`bundle: ${c.file} (${Math.round(c.bytes / 1024)} KiB)\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
