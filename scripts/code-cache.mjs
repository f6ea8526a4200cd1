#!/usr/bin/env node
// Writes the V8 code caches of each bundle (run by scripts/bundle.mjs): one per profile, each in
// a fresh node (`--profile NAME`), so that a cache holds what that profile's runs compiled and
// nothing else (a long run of many commands also loses the bytecode V8 flushes on the way).
// A profile is one hot command — the ones udev and libvirt run — named by its first argument:
// `mdevctl list …` compiles with dist/bundle/mdevctl.list.cache. Every other command uses the
// generic cache (dist/bundle/mdevctl.cjs.cache), written from a run of them all. A command not
// listed in PROFILES needs nothing here: it falls to the generic cache.
//
// The runs use a temp tree: a simulated host with a few definitions and one running device, the
// simulator's marker then removed, so the runs take the kernel's path (the kernel backend writing
// plain files), as on a real host, and load no simulator code. Their output is discarded.
//
// Usage: node scripts/code-cache.mjs                 every profile (one node each); a line per cache
//        node scripts/code-cache.mjs --profile NAME  that one, in this node

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const U = '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace';
/** Defined (manual) on the tree before the runs. */
const D = '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0d0d0';
/** Defined and running on the tree before the runs. */
const R = '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0e0e0';
/** Defined `auto`, not running: start-parent-mdevs starts it (the whole pipeline, as at boot). */
const A = '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0a0a0';

const LISTS = [['list'], ['list', '-d'], ['list', '--dumpjson'], ['list', '-d', '--dumpjson'], ['list', '-v'], ['list', '-d', '-v', '--dumpjson']];
const ALL = [
  ...LISTS, ['types'], ['types', '--dumpjson'],
  ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], ['modify', '-u', U, '--auto'], ['start', '-u', U], ['list', '-v'],
  ['stop', '-u', U], ['start-parent-mdevs', 'mtty'], ['stop', '-u', U], ['undefine', '-u', U], ['start', '-u', 'bad'],
];

/**
 * The profiles: a cache file name (`<bundle>.<name>.cache`, or the generic `<bundle>.cjs.cache`),
 * the program, and the runs that fill it. libvirt's and udev's argument shapes first.
 */
const PROFILES = {
  generic: { bundle: 'mdevctl', runs: [...ALL, { program: 'lsmdev', args: ['-d'] }] },
  list: { bundle: 'mdevctl', runs: LISTS },
  types: { bundle: 'mdevctl', runs: [['types'], ['types', '--dumpjson']] },
  define: { bundle: 'mdevctl', runs: [['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], ['define', '-u', D, '-p', 'mtty', '-t', 'mtty-1']] },
  start: { bundle: 'mdevctl', runs: [['start', '-u', D], ['start', '-u', R]] },
  stop: { bundle: 'mdevctl', runs: [['stop', '-u', R], ['stop', '-u', R]] },
  undefine: { bundle: 'mdevctl', runs: [['undefine', '-u', D], ['undefine', '-u', D]] },
  modify: { bundle: 'mdevctl', runs: [['modify', '-u', D, '--auto'], ['modify', '-u', D, '--manual']] },
  'start-parent-mdevs': { bundle: 'mdevctl', runs: [['start-parent-mdevs', 'mtty'], ['start-parent-mdevs', 'mtty']] },
  lsmdev: { bundle: 'mdevctl', runs: [{ program: 'lsmdev', args: [] }, { program: 'lsmdev', args: ['-d'] }] },
};

/** The tree the runs use (see the header). */
async function buildTree(root) {
  const sim = await import(join(repo, 'plugins/sim/dist/index.js'));
  sim.createSimulatedHost(root);
  const dir = join(root, 'etc/mdevctl.d/mtty');
  mkdirSync(dir, { recursive: true });
  for (const [uuid, start] of [[D, 'manual'], [R, 'auto'], [A, 'auto']]) {
    writeFileSync(join(dir, uuid), `${JSON.stringify({ mdev_type: 'mtty-1', start, attrs: [] }, null, 2)}\n`);
  }
  const kernel = sim.SimulatedKernel.open(root);
  kernel.write(join(kernel.host.typeDir(kernel.host.parent('mtty'), 'mtty-1'), 'create'), R);
  rmSync(join(root, sim.SIM_DIR), { recursive: true, force: true }); // a plain tree: the kernel backend
}

async function writeProfile(name) {
  const profile = PROFILES[name];
  if (!profile) throw new Error(`code-cache: no profile ${name}`);
  const { writeCodeCache } = require(join(repo, 'core/bin/launch.cjs'));
  const sink = { write: () => true };
  const root = mkdtempSync(join(tmpdir(), 'mdevctl-code-cache-'));
  try {
    await buildTree(root);
    const io = { stdout: sink, stderr: sink, env: { MDEVCTL_ENV_ROOT: root } };
    const exercise = async (m) => {
      for (const run of profile.runs) {
        const { program, args } = Array.isArray(run) ? { program: 'mdevctl', args: run } : run;
        await m.main(args, io, { program });
      }
    };
    const c = await writeCodeCache(profile.bundle, exercise, name === 'generic' ? undefined : name);
    if (c) process.stdout.write(`bundle: ${c.file} (${Math.round(c.bytes / 1024)} KiB)\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--profile');
if (at >= 0) {
  await writeProfile(process.argv[at + 1]);
} else {
  // A fresh node for each: V8 would otherwise reuse what an earlier profile compiled.
  for (const name of Object.keys(PROFILES)) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--profile', name], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`code-cache: profile ${name} failed (status ${r.status ?? r.signal})`);
  }
}
