// The repository's own documents stand alone: nothing in it points at the developers' reference
// material outside the repository (../shared), the README links docs/COMPATIBILITY.md, and that
// page lists every scenario the differential tests leave out as a deliberate difference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../helpers/cli.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'results', '.tmp', 'man', 'completion', 'plugin-template']);

/** Every text file of the repository (not what builds, installs or packs make). */
function files(dir = REPO, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!SKIP_DIRS.has(name) || p === join(REPO, 'examples/plugin-template')) files(p, out);
    } else if (/\.(md|ts|mjs|cjs|js|json|sh)$/.test(name) && !name.endsWith('.tsbuildinfo') && name !== 'package-lock.json') {
      out.push(p);
    }
  }
  return out;
}

const SHARED = /\.\.\/shared\b|\/work\/shared\b|shared\/(SPEC|kernel-facts|seeds)/;

test('no document, source or script points at ../shared (test code: comments only)', () => {
  const self = join(REPO, 'test/unit/repo-docs.test.ts');
  const offenders: string[] = [];
  for (const f of files()) {
    if (f === self) continue;
    const isTest = relative(REPO, f).startsWith('test/');
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!SHARED.test(line)) return;
        if (isTest && /^\s*(\/\/|\*|\/\*|#)/.test(line)) return;
        offenders.push(`${relative(REPO, f)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});

test('README links docs/COMPATIBILITY.md, which lists every deliberate difference the differential tests skip', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  assert.ok(readme.includes('](docs/COMPATIBILITY.md)'), 'README links it');
  const page = readFileSync(join(REPO, 'docs/COMPATIBILITY.md'), 'utf8');
  const dir = join(REPO, 'test/differential');
  const skipped: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const source = readFileSync(join(dir, name), 'utf8');
    for (const m of source.matchAll(/deliberateDifference\(\s*'([^']+)'/g)) skipped.push(m[1] ?? '');
  }
  assert.ok(skipped.length >= 5, `found ${skipped.length} skipped scenarios`);
  for (const s of skipped) assert.ok(page.includes(`*${s}*`), `docs/COMPATIBILITY.md lists "${s}"`);
  // and the normalisation of 1.2.0's output the pair applies
  assert.match(page, /normaliseReference/);
});
