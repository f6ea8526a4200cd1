#!/usr/bin/env node
// Packs mdevctl into ONE tarball that installs offline: `npm install -g mdevctl-<v>.tgz` needs no
// registry and no npm cache. Our package (core/, npm name `mdevctl`) depends on workspace
// packages (@mdevctl/plugin-sdk, @mdevctl/plugin-*) that are not published, and npm does not
// bundle a workspace's hoisted dependencies; so this script
//   1. builds (tsc -b, then the bundles: scripts/bundle.mjs), unless --no-build;
//   2. packs core (its prepack generates the man pages and bash completion) and every workspace
//      package it depends on, directly or not;
//   3. unpacks core's tarball into a staging dir and installs its production dependencies there
//      (the workspace packages from their tarballs, the others from the registry or npm's cache);
//   4. packs the staging dir again with every dependency listed in bundleDependencies.
//
// Usage: node scripts/pack.mjs [--out DIR] [--no-build]
// Prints the path of the tarball (default DIR: the current directory). Progress goes to stderr.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? '.') : '.');
const build = !args.includes('--no-build');

function say(text) {
  process.stderr.write(`pack: ${text}\n`);
}

function run(command, argv, cwd) {
  const r = spawnSync(command, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    throw new Error(`${command} ${argv.join(' ')} (in ${cwd}) failed with status ${r.status ?? r.signal}`);
  }
  return r.stdout;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm pack` in dir; returns the tarball's absolute path. */
function npmPack(dir, destination, extra = []) {
  const json = run(npm, ['pack', '--json', '--pack-destination', destination, ...extra], dir);
  const start = json.indexOf('[');
  const [{ filename }] = JSON.parse(json.slice(start));
  return join(destination, filename);
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const rootManifest = readJson(join(repo, 'package.json'));
const workspaces = new Map(); // name -> dir
for (const ws of rootManifest.workspaces ?? []) {
  const dir = join(repo, ws);
  workspaces.set(readJson(join(dir, 'package.json')).name, dir);
}
const coreDir = workspaces.get('mdevctl');
if (!coreDir) throw new Error('no workspace named mdevctl');

// The workspace packages core needs, directly or through each other.
const local = new Set();
const queue = [coreDir];
while (queue.length > 0) {
  const manifest = readJson(join(queue.shift(), 'package.json'));
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (workspaces.has(dep) && dep !== 'mdevctl' && !local.has(dep)) {
      local.add(dep);
      queue.push(workspaces.get(dep));
    }
  }
}

if (build) {
  say('building');
  run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.json'], repo);
  run(process.execPath, [join(repo, 'scripts/bundle.mjs')], repo);
}

const temp = mkdtempSync(join(tmpdir(), 'mdevctl-pack-'));
try {
  const tarballs = join(temp, 'tarballs');
  mkdirSync(tarballs);
  const localTarballs = new Map();
  for (const name of [...local].sort()) {
    say(`packing ${name}`);
    localTarballs.set(name, npmPack(workspaces.get(name), tarballs));
  }
  say('packing mdevctl (generating the man pages and bash completion)');
  const coreTarball = npmPack(coreDir, tarballs);

  const stage = join(temp, 'stage');
  mkdirSync(stage);
  run('tar', ['-xzf', coreTarball, '-C', stage], repo);
  const pkgDir = join(stage, 'package');
  const manifestPath = join(pkgDir, 'package.json');
  const original = readJson(manifestPath);
  const installing = structuredClone(original);
  for (const [name, tarball] of localTarballs) {
    if (installing.dependencies?.[name] !== undefined) installing.dependencies[name] = `file:${tarball}`;
  }
  // The workspace packages a plugin needs are installed from their tarballs too (top level).
  for (const [name, tarball] of localTarballs) installing.dependencies[name] ??= `file:${tarball}`;
  writeFileSync(manifestPath, `${JSON.stringify(installing, null, 2)}\n`);
  say('installing the production dependencies into the staging dir');
  run(
    npm,
    ['install', '--omit=dev', '--no-package-lock', '--ignore-scripts', '--install-links', '--no-audit', '--no-fund', '--prefer-offline'],
    pkgDir,
  );
  rmSync(join(pkgDir, 'node_modules/.package-lock.json'), { force: true });

  const final = structuredClone(original);
  delete final.scripts; // prepack ran already; ../scripts is not in the package
  delete final.devDependencies;
  final.bundleDependencies = Object.keys(final.dependencies ?? {}).sort();
  writeFileSync(manifestPath, `${JSON.stringify(final, null, 2)}\n`);
  mkdirSync(out, { recursive: true });
  say('packing the self-contained tarball');
  const result = npmPack(pkgDir, out, ['--ignore-scripts']);
  process.stdout.write(`${result}\n`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
