#!/usr/bin/env node
// Runs the compiled test files (test/dist/**/*.test.js) with node's built-in test runner.
// Usage: node test/run.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
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

let files;
try {
  files = collect(distDir);
} catch {
  console.error('test/run.mjs: no compiled tests in test/dist; run `npm run typecheck` first');
  process.exit(1);
}
if (filters.length) files = files.filter((f) => filters.some((s) => relative(distDir, f).includes(s)));
if (files.length === 0) {
  console.error('test/run.mjs: no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
