#!/usr/bin/env node
// Runs the compiled test files with node's built-in test runner: test/dist/**/*.test.js and the
// built-in plugins' own tests beside them (plugins/<name>/test/dist/*.test.js, which each plugin's
// `npm test` also runs). Usage: node test/run.mjs [substring-filter ...] (a filter matches the
// path under test/dist, or plugins/<name>/… for a plugin's tests).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = join(here, 'dist');
const filters = process.argv.slice(2);

function collect(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const repo = join(here, '..');
const pluginsDir = join(repo, 'plugins');
let files;
try {
  files = collect(distDir).map((f) => ({ path: f, name: relative(distDir, f) }));
  for (const plugin of readdirSync(pluginsDir).sort()) {
    const dir = join(pluginsDir, plugin, 'test');
    if (!existsSync(join(dir, 'tsconfig.json'))) continue;
    files.push(...collect(join(dir, 'dist')).map((f) => ({ path: f, name: relative(repo, f) })));
  }
} catch {
  console.error('test/run.mjs: compiled tests are missing (test/dist, plugins/*/test/dist); run `npm run typecheck` first');
  process.exit(1);
}
if (filters.length) files = files.filter((f) => filters.some((s) => f.name.includes(s)));
files = files.map((f) => f.path);
if (files.length === 0) {
  console.error('test/run.mjs: no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
