#!/usr/bin/env node
// The benchmark of issues 7, 19 and 28 (`npm run bench`): builds simulated hosts with 0, 1k and 10k
// definitions and times, in the same run, our CLI (core/bin/mdevctl.js, as installed), Debian's
// mdevctl 1.2.0 (under chroot on a copy of each tree, as the differential tests run it) and a bare
// `node -e 0`. Prints a table of medians, the ratios ours ÷ 1.2.0 and ours ÷ bare node, and peak
// RSS (one more run of each command under /usr/bin/time), and writes the same as JSON.
//
// Usage: node bench/run.mjs [--quick] [--runs N] [--sizes 0,1000,10000] [--out FILE] [--no-upstream] [--sim-spm] [--vgpu-only]
//   --quick    3 runs, hosts of 0 and 10k definitions, start-parent-mdevs once
//   --out      the JSON (default bench/results/latest.json)
//   --sim-spm  also start-parent-mdevs of the 1k devices on the simulated kernel, once (a minute or
//              more, nearly all of it the simulator's: it makes each device's sysfs dir and links)
//   --vgpu-only  only the vendor-VFIO rows (vGPUs on SR-IOV VFs); no JSON written

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const OURS_BIN = join(REPO, 'core/bin/mdevctl.js');
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// ---------------------------------------------------------------- options

function options(argv) {
  const o = { quick: false, runs: undefined, sizes: undefined, out: join(REPO, 'bench/results/latest.json'), upstream: true, simSpm: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--sizes') o.sizes = value().split(',').map(Number);
    else if (a === '--out') o.out = resolve(value());
    else if (a === '--no-upstream') o.upstream = false;
    else if (a === '--sim-spm') o.simSpm = true;
    else if (a === '--vgpu-only') o.vgpuOnly = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  o.runs ??= o.quick ? 3 : 7;
  o.sizes ??= o.quick ? [0, 10000] : [0, 1000, 10000];
  if (!Number.isInteger(o.runs) || o.runs < 1 || o.sizes.some((n) => !Number.isInteger(n) || n < 0)) usage('bad --runs or --sizes');
  return o;
}

function usage(problem) {
  const text = 'usage: node bench/run.mjs [--quick] [--runs N] [--sizes 0,1000,10000] [--out FILE] [--no-upstream] [--sim-spm] [--vgpu-only]\n';
  if (problem) {
    process.stderr.write(`bench: ${problem}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

const opts = options(process.argv.slice(2));
const say = (text) => process.stderr.write(`bench: ${text}\n`);

for (const built of ['plugins/sim/dist/index.js', 'core/dist/bundle/mdevctl.cjs']) {
  if (!existsSync(join(REPO, built))) {
    say(`${built} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
    process.exit(1);
  }
}
const sim = await import(pathToFileURL(join(REPO, 'plugins/sim/dist/index.js')).href);

// ---------------------------------------------------------------- the programs

/** Debian's 1.2.0 through the differential tests' helper (compiled by `npm run typecheck`). */
async function upstream() {
  if (!opts.upstream) return { ok: false, reason: '--no-upstream' };
  const helper = join(REPO, 'test/dist/helpers/debian-mdevctl.js');
  if (!existsSync(helper)) return { ok: false, reason: 'test/dist is not built (run `npm run typecheck`)' };
  const m = await import(pathToFileURL(helper).href);
  const a = m.debianMdevctl();
  return a.ok ? { ok: true, mdevctl: a.mdevctl, prepare: m.prepareDebianRoot } : a;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * One run of a program: wall time in ms (spawn to exit, output read through pipes as libvirt
 * reads it), or with `rss` its peak RSS in KiB from /usr/bin/time (a separate run, so that the
 * wrapper's own start-up is not in the times).
 */
function exec(prog, args, { rss = false } = {}) {
  let cmd = prog.cmd;
  let argv = [...prog.args, ...args];
  const rssFile = rss && TIME ? join(scratch, 'rss') : undefined;
  if (rssFile) {
    argv = ['-f', '%M', '-o', rssFile, cmd, ...argv];
    cmd = TIME;
  }
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { env: prog.env, input: '', encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${prog.label} ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  }
  return rssFile ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : ms;
}

const ours = (root) => ({ label: 'ours', cmd: process.execPath, args: [OURS_BIN], env: { PATH: PATH_ENV, MDEVCTL_ENV_ROOT: root } });
const theirs = (root, deb) => ({ label: '1.2.0', cmd: 'chroot', args: [root, deb.binary], env: { PATH: PATH_ENV } });
const bareNode = { label: 'node', cmd: process.execPath, args: ['-e', '0'], env: { PATH: PATH_ENV } };

// ---------------------------------------------------------------- the hosts

/** Parent and type pairs the definitions are spread over (every registered simulated parent). */
function targets() {
  const out = [];
  for (const p of sim.PARENT_PROFILES.filter((x) => x.registered)) {
    for (const type of Object.keys(sim.DRIVER_PROFILES[p.driver].types).slice(0, 2)) out.push([p.name, type]);
  }
  return out;
}

const uuidOf = (i, tag = 0) => `${tag.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function writeDefinition(root, parent, uuid, config) {
  const dir = join(root, 'etc/mdevctl.d', parent);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, uuid), JSON.stringify(config, null, 2));
}

/** `echo uuid > create` on the simulated kernel. */
function startDevice(root, parent, type, uuid) {
  const kernel = sim.SimulatedKernel.open(root);
  kernel.write(join(kernel.host.typeDir(kernel.host.parent(parent), type), 'create'), uuid);
}

const ACTIVE = 8;
/** The manual device start/stop cycles through (defined on every host). */
const CYCLED = uuidOf(0, 0xc1c1e);

/**
 * A simulated host with `n` definitions over every parent (a third `auto`, a quarter with an
 * attribute), the cycled device, and (unless n = 0: the empty host) ACTIVE running mtty devices,
 * half of them defined.
 */
function buildHost(root, n) {
  mkdirSync(root, { recursive: true });
  sim.createSimulatedHost(root);
  const pairs = targets();
  for (let i = 0; i < n; i++) {
    const [parent, type] = pairs[i % pairs.length];
    writeDefinition(root, parent, uuidOf(i, 1), {
      mdev_type: type,
      start: i % 3 === 0 ? 'auto' : 'manual',
      attrs: i % 4 === 0 ? [{ note: `bench ${i}` }] : [],
    });
  }
  if (n > 0) {
    for (let i = 0; i < ACTIVE; i++) {
      const uuid = uuidOf(i, i % 2 === 0 ? 2 : 3);
      if (i % 2 === 0) writeDefinition(root, 'mtty', uuid, { mdev_type: 'mtty-1', start: 'manual', attrs: [] });
      startDevice(root, 'mtty', 'mtty-1', uuid);
    }
    writeDefinition(root, 'mtty', CYCLED, { mdev_type: 'mtty-1', start: 'manual', attrs: [] });
  }
}

/** A host whose mtty has `n` auto definitions and a pool that holds them all. */
function buildAutoHost(root, n) {
  mkdirSync(root, { recursive: true });
  sim.createSimulatedHost(root);
  for (let i = 0; i < n; i++) writeDefinition(root, 'mtty', uuidOf(i, 4), { mdev_type: 'mtty-1', start: 'auto', attrs: [] });
  resetAutoHost(root, n);
}

/** Rebuilds the auto host's sysfs (no device running) with the mtty pool raised to `n`. */
function resetAutoHost(root, n) {
  sim.createSimulatedHost(root); // rebuilds sys/, keeps etc/ and usr/
  const manifestFile = join(root, sim.SIM_DIR, sim.MANIFEST_FILE);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  manifest.drivers.mtty.pool = Math.max(n, 24);
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const host = sim.SimHost.load(root);
  mkdirSync(host.tmpDir, { recursive: true });
  host.refreshPool(host.parent('mtty'));
}

/** A copy of a tree for 1.2.0, made chroot-able. */
function upstreamCopy(root, deb) {
  const copy = `${root}-1.2.0`;
  cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
  deb.prepare(copy, deb.mdevctl);
  return copy;
}

/** act(args, rss) for a program driving the simulated kernel (ours). */
const onKernel = (prog) => (args, rss = false) => exec(prog, args, { rss });

/**
 * act(args, rss) with sysfs as plain files, as 1.2.0 sees it under chroot: for ours the simulated
 * kernel is switched off during the run (its manifest moved away); after the run, untimed, the
 * simulated kernel applies what was written (unless `apply` is false: the tree is reset instead).
 */
const onPlainFiles = (prog, tree, apply = true) => (args, rss = false) => {
  const manifest = join(tree, sim.SIM_DIR, sim.MANIFEST_FILE);
  const hidden = prog.label === 'ours' ? `${manifest}.off` : undefined;
  if (hidden) renameSync(manifest, hidden);
  let ms;
  try {
    ms = exec(prog, args, { rss });
  } finally {
    if (hidden) renameSync(hidden, manifest);
  }
  if (apply) sim.SimulatedKernel.open(tree).sync();
  return ms;
};

// ---------------------------------------------------------------- measuring

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A row: `step(i, rss)` does one iteration for a program (returning the ms of the timed command,
 * or with rss its peak RSS). Ours, 1.2.0 and a bare `node -e 0` take turns in every iteration, so
 * that the load of the machine at that moment weighs on all three alike: ours ÷ node is taken
 * against the bare node of the same row.
 */
function measure(row, sides) {
  const result = { ...row.info };
  const all = [...sides, { key: 'node', step: (_, rss) => exec(bareNode, [], { rss }) }];
  const times = new Map(all.map((s) => [s.key, []]));
  for (let i = 0; i < (row.runs ?? opts.runs); i++) {
    for (const s of all) times.get(s.key).push(s.step(i, false));
  }
  for (const s of all) {
    const ms = times.get(s.key);
    result[s.key] = { ms: median(ms), runs: ms.map((x) => Math.round(x * 10) / 10) };
    if (TIME && row.rss !== false && s.key !== 'node') result[s.key].rssKiB = s.step(-1, true);
  }
  return result;
}

// ---------------------------------------------------------------- a vendor-VFIO host (issue 24)

/**
 * Rows of ours alone on a simulated host with both vendor-VFIO GPUs (32 VFs, each a parent)
 * beside the mdev parents: 16 vGPU definitions (8 running, started by mdevctl) and 8 of mtty;
 * `list`, `list -d`, and `start -u` of a vGPU on the simulated kernel (its stop untimed). 1.2.0
 * is not run: it sees no vGPU without the mdev bus.
 */
function vgpuRows() {
  const root = join(scratch, 'vgpu');
  mkdirSync(root, { recursive: true });
  sim.createSimulatedHost(root, { parents: [...sim.PARENT_NAMES, ...sim.VFIO_GPUS], vgpu: { nvidiaDelayMs: 0, exitBusyMs: 0 } });
  const gpu = sim.VFIO_GPU_PROFILES[0];
  const mine = ours(root);
  for (let i = 0; i < 16; i++) {
    writeDefinition(root, sim.vfAddress(gpu, i), uuidOf(i, 6), { mdev_type: 'nvidia-902', start: i % 2 ? 'manual' : 'auto', attrs: [] });
    if (i < 8) exec(mine, ['start', '-u', uuidOf(i, 6)]);
    writeDefinition(root, 'mtty', uuidOf(i, 7), { mdev_type: 'mtty-1', start: 'manual', attrs: [] });
  }
  const cycled = uuidOf(0, 0xc1c2e);
  writeDefinition(root, sim.vfAddress(sim.VFIO_GPU_PROFILES[1], 0), cycled, { mdev_type: 'nvidia-908', start: 'manual', attrs: [] });
  const label = { host: 'vgpu', defs: 33 };
  for (const args of [['list'], ['list', '-d']]) {
    row(measure({ info: { ...label, command: `${args.join(' ')} (vendor-VFIO + mdev)` } }, [{ key: 'ours', step: (_, rss) => exec(mine, args, { rss }) }]));
  }
  row(measure({ info: { ...label, command: 'start -u vGPU (simulated kernel)' } }, [
    { key: 'ours', step: (_, rss) => {
      const ms = exec(mine, ['start', '-u', cycled], { rss });
      exec(mine, ['stop', '-u', cycled]);
      return ms;
    } },
  ]));
  rmSync(root, { recursive: true, force: true });
}

const scratch = mkdtempSync(join(tmpdir(), 'mdevctl-bench-'));
const rows = [];
const notes = [];
const started = Date.now();

function row(r) {
  rows.push(r);
  printRow(r);
}

async function run() {
try {
  const deb = await upstream();
  if (!deb.ok) notes.push(`Debian's mdevctl 1.2.0 not run: ${deb.reason}`);
  say(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${opts.runs} runs per command`);
  say(deb.ok ? `upstream: ${deb.mdevctl.version} (${deb.mdevctl.binary}, under chroot)` : notes[0]);

  const bare = measure({ info: { host: '-', command: 'node -e 0' } }, []).node;
  bare.rssKiB = exec(bareNode, [], { rss: true });
  printHeader(bare);
  if (opts.vgpuOnly) {
    vgpuRows();
    return;
  }

  for (const n of opts.sizes) {
    const label = n === 0 ? 'empty' : `${n >= 1000 ? `${n / 1000}k` : n} defs`;
    say(`building the host with ${n} definitions`);
    const root = join(scratch, `host-${n}`);
    buildHost(root, n);
    const copy = deb.ok ? upstreamCopy(root, deb) : undefined;
    const mine = ours(root);
    const ref = copy ? theirs(copy, deb.mdevctl) : undefined;
    const both = (args) => [
      { key: 'ours', step: (_, rss) => exec(mine, args, { rss }) },
      ...(ref ? [{ key: 'upstream', step: (_, rss) => exec(ref, args, { rss }) }] : []),
    ];
    for (const args of [['list'], ['list', '-d'], ['list', '-d', '--dumpjson'], ['list', '--dumpjson'], ['list', '-v'], ['types']]) {
      row(measure({ info: { host: label, defs: n, command: args.join(' ') } }, both(args)));
    }
    if (n === 0 && !opts.quick) {
      // What the bundle saves: the same program from its ESM modules in core/dist.
      const dist = { ...mine, args: ['--input-type=module', '-e', `process.exitCode = await (await import(${JSON.stringify(pathToFileURL(join(REPO, 'core/dist/cli/main.js')).href)})).main(process.argv.slice(1))`] };
      row(measure({ info: { host: label, defs: n, command: 'list (unbundled: core/dist modules)' } }, [{ key: 'ours', step: (_, rss) => exec(dist, ['list'], { rss }) }]));
    }
    // define: a new uuid each run (the definitions pile up by a few: noise next to n).
    let d = 0;
    const define = (prog) => (_, rss) => exec(prog, ['define', '-u', uuidOf(++d, 5), '-p', 'mdpy', '-t', 'mdpy-vga'], { rss });
    row(measure({ info: { host: label, defs: n, command: 'define' } }, [{ key: 'ours', step: define(mine) }, ...(ref ? [{ key: 'upstream', step: define(ref) }] : [])]));
    if (n === 0) {
      // The empty host (issue 28): start-parent-mdevs of a parent with nothing to start (udev's
      // call at boot), and start/stop of a transient device (no definition), sysfs as plain files.
      row(measure({ info: { host: label, defs: n, command: 'start-parent-mdevs mtty (nothing to start)' } }, [
        { key: 'ours', step: (_, rss) => onPlainFiles(mine, root)(['start-parent-mdevs', 'mtty'], rss) },
        ...(ref ? [{ key: 'upstream', step: (_, rss) => onPlainFiles(ref, copy)(['start-parent-mdevs', 'mtty'], rss) }] : []),
      ]));
      const transient = (act, what) => (_, rss) => {
        const start = ['start', '-u', CYCLED, '-p', 'mtty', '-t', 'mtty-1'];
        if (what === 'stop') act(start);
        const ms = act(what === 'start' ? start : ['stop', '-u', CYCLED], rss);
        if (what === 'start') act(['stop', '-u', CYCLED]);
        return ms;
      };
      for (const what of ['start', 'stop']) {
        row(measure({ info: { host: label, defs: n, command: `${what} -u${what === 'start' ? ' -p -t' : ''} (plain sysfs files)` } }, [
          { key: 'ours', step: transient(onPlainFiles(mine, root), what) },
          ...(ref ? [{ key: 'upstream', step: transient(onPlainFiles(ref, copy), what) }] : []),
        ]));
      }
    }
    if (n > 0) {
      // start/stop of a defined device: ours on the simulated kernel, then ours and 1.2.0 with
      // sysfs as plain files (the kernel's side applied after each run, untimed).
      const cycle = (act, what) => (_, rss) => {
        if (what === 'stop') act(['start', '-u', CYCLED]);
        const ms = act([what, '-u', CYCLED], rss);
        if (what === 'start') act(['stop', '-u', CYCLED]);
        return ms;
      };
      for (const what of ['start', 'stop']) {
        row(measure({ info: { host: label, defs: n, command: `${what} -u (simulated kernel)` } }, [
          { key: 'ours', step: cycle(onKernel(mine), what) },
        ]));
        row(measure({ info: { host: label, defs: n, command: `${what} -u (plain sysfs files)` } }, [
          { key: 'ours', step: cycle(onPlainFiles(mine, root), what) },
          ...(ref ? [{ key: 'upstream', step: cycle(onPlainFiles(ref, copy), what) }] : []),
        ]));
      }
    }
    rmSync(root, { recursive: true, force: true });
    if (copy) rmSync(copy, { recursive: true, force: true });
  }

  vgpuRows();

  // start-parent-mdevs: 1k auto definitions on one parent, every run from no device running.
  const AUTO = 1000;
  say(`building the host with ${AUTO} auto definitions on mtty`);
  const autoRoot = join(scratch, 'auto');
  buildAutoHost(autoRoot, AUTO);
  const autoCopy = deb.ok ? upstreamCopy(autoRoot, deb) : undefined;
  const mineAuto = ours(autoRoot);
  const spm = (act, tree) => (_, rss) => {
    const ms = act(['start-parent-mdevs', 'mtty'], rss);
    resetAutoHost(tree, AUTO);
    return ms;
  };
  const autoLabel = { host: `${AUTO / 1000}k auto`, defs: AUTO };
  row(measure({ runs: opts.quick ? 1 : 3, info: { ...autoLabel, command: 'start-parent-mdevs mtty (plain sysfs files)' } }, [
    { key: 'ours', step: spm(onPlainFiles(mineAuto, autoRoot, false), autoRoot) },
    ...(autoCopy ? [{ key: 'upstream', step: spm(onPlainFiles(theirs(autoCopy, deb.mdevctl), autoCopy, false), autoCopy) }] : []),
  ]));
  if (opts.simSpm) {
    // Once, with the simulated kernel making every device (most of the time is the simulator's).
    row(measure({ runs: 1, rss: false, info: { ...autoLabel, command: 'start-parent-mdevs mtty (simulated kernel)' } }, [
      { key: 'ours', step: (i, rss) => {
        const ms = onKernel(mineAuto)(['start-parent-mdevs', 'mtty'], rss);
        const started = sim.SimulatedKernel.open(autoRoot).host.allDevices().length;
        if (started !== AUTO) notes.push(`start-parent-mdevs on the simulated kernel started ${started} of ${AUTO}`);
        resetAutoHost(autoRoot, AUTO);
        return ms;
      } },
    ]));
  }

  await startupOnNode24();

  if (deb.ok) {
    notes.push(
      '1.2.0 runs under chroot on a copy of each tree, where it cannot drive the simulated kernel: its start, stop and start-parent-mdevs write plain files. "(plain sysfs files)" rows time both programs that way (ours with the simulated kernel switched off); the simulated kernel then applies the writes, untimed. "(simulated kernel)" rows are ours alone, the simulator creating and removing the devices.',
    );
  }
  notes.push('start/stop: the other half of each cycle runs untimed between runs; define: a new uuid every run; RSS: one more run of each under /usr/bin/time.');

  const summary = targets_();
  printSummary(summary);
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadavg: loadavg(),
    runs: opts.runs,
    quick: opts.quick,
    upstream: deb.ok ? deb.mdevctl.version : null,
    bareNode: bare,
    rows,
    targets: summary,
    notes,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
  say(`${Math.round((Date.now() - started) / 1000)} s; JSON in ${opts.out}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
}

/**
 * Start-up on node 24 (issue 26), the LTS line most users run: its bare `node -e 0` and our empty
 * `list` with it, beside this node's. node 24 comes from the tests' cache, where
 * test/node-lts.mjs unpacks it (`npm run test:node-lts`); the code cache next to the bundle was
 * made by the node that built it, which node 24 does not use (a row for each side shows the cost).
 */
async function startupOnNode24() {
  const cache = process.env.MDEVCTL_TEST_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mdevctl-tests');
  const node24 = join(cache, 'node/24/bin/node');
  if (!existsSync(join(cache, 'node/24/.complete'))) {
    notes.push(`node 24 start-up not measured: no node 24 in ${join(cache, 'node')} (node test/node-lts.mjs --fetch-only 24 fetches it)`);
    return;
  }
  const version = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const root = join(scratch, 'host-node24');
  buildHost(root, 0);
  const bare24 = { label: 'node24', cmd: node24, args: ['-e', '0'], env: { PATH: PATH_ENV } };
  const ours24 = { ...ours(root), label: 'ours24', cmd: node24 };
  row(measure({ info: { host: '-', command: `node -e 0 with ${version}` } }, [{ key: 'ours', step: (_, rss) => exec(bare24, [], { rss }) }]));
  row(measure({ info: { host: 'empty', command: `list with ${version}` } }, [{ key: 'ours', step: (_, rss) => exec(ours24, ['list'], { rss }) }]));
  notes.push(`"with ${version}" rows: that node runs the program (ours column); "node ms" is still this node's node -e 0. The code cache was made by ${process.version}, which ${version} does not use.`);
  rmSync(root, { recursive: true, force: true });
}

// ---------------------------------------------------------------- output

function fmt(ms) {
  return ms === undefined ? '-' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function ratio(a, b) {
  return a === undefined || b === undefined ? '-' : (a / b).toFixed(2);
}

function mib(kib) {
  return kib === undefined ? '-' : `${(kib / 1024).toFixed(0)}`;
}

const COLS = [
  ['host', 9, 'l'], ['command', 44, 'l'], ['ours ms', 8], ['1.2.0 ms', 9], ['node ms', 8], ['ours/1.2.0', 11], ['ours/node', 10], ['RSS MiB', 8], ['1.2.0 RSS', 10],
];

function line(cells) {
  return cells.map((c, i) => (COLS[i][2] === 'l' ? String(c).padEnd(COLS[i][1]) : String(c).padStart(COLS[i][1]))).join(' ').trimEnd();
}

function printHeader(bare) {
  process.stdout.write(
    `bare node (node -e 0): ${fmt(bare.ms)} ms, ${mib(bare.rssKiB)} MiB RSS. In each row, "node ms" is node -e 0 run in turn\n` +
      'with that row\'s commands, and ours/node is taken against it. Medians of wall times; RSS from one more run.\n\n',
  );
  process.stdout.write(`${line(COLS.map((c) => c[0]))}\n`);
}

function printRow(r) {
  process.stdout.write(
    `${line([r.host, r.command, fmt(r.ours?.ms), fmt(r.upstream?.ms), fmt(r.node?.ms), ratio(r.ours?.ms, r.upstream?.ms), ratio(r.ours?.ms, r.node?.ms), mib(r.ours?.rssKiB), mib(r.upstream?.rssKiB)])}\n`,
  );
}

/** The targets of issue 28, judged from this run's rows. */
function targets_() {
  const worst = (list, f) => list.reduce((w, r) => (w === undefined || f(r) > f(w) ? r : w), undefined);
  const out = [];
  const judge = (target, list, f, limit) => {
    const w = worst(list, f);
    if (w) out.push({ target, worst: `${w.command}: ${f(w).toFixed(2)}x`, met: f(w) <= limit });
  };
  const empty = rows.filter((r) => r.defs === 0 && !r.command.includes('unbundled'));
  const readOnly = ['list', 'list -d', 'list --dumpjson', 'list -d --dumpjson', 'types', 'start-parent-mdevs mtty (nothing to start)'];
  const vsNode = (r) => r.ours.ms / r.node.ms;
  judge('empty host: list, list -d, list [-d] --dumpjson, types, start-parent-mdevs (nothing to start) <= 1.2x bare node',
    empty.filter((r) => readOnly.includes(r.command)), vsNode, 1.2);
  judge('empty host: define, start, stop <= 1.35x bare node',
    empty.filter((r) => r.command === 'define' || r.command.startsWith('start -u') || r.command.startsWith('stop -u')), vsNode, 1.35);
  judge('10k definitions: list -d, list -d --dumpjson <= 1.2x of 1.2.0',
    rows.filter((r) => r.defs === 10000 && r.upstream && (r.command === 'list -d' || r.command === 'list -d --dumpjson')), (r) => r.ours.ms / r.upstream.ms, 1.2);
  const m = worst(rows.filter((r) => r.defs === 10000 && r.ours.rssKiB !== undefined), (r) => r.ours.rssKiB);
  if (m) out.push({ target: 'peak RSS <= 120 MB at 10k', worst: `${m.command}: ${(m.ours.rssKiB / 1024).toFixed(0)} MiB`, met: m.ours.rssKiB <= 120 * 1000 });
  return out;
}

function printSummary(summary) {
  process.stdout.write('\nTargets (issue 28):\n');
  for (const t of summary) process.stdout.write(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target} — worst: ${t.worst}\n`);
  for (const n of notes) process.stdout.write(`Note: ${n}\n`);
}

await run();
