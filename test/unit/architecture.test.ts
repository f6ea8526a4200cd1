// The layering rules of ARCHITECTURE.md, checked on the sources and the built bundle: no import
// circle among our modules, no simulator code in mdevctl's bundle, and the plugins import only
// the SDK (and node's own modules).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../helpers/cli.js';

/** The .ts files under each package's src/. */
function sources(): string[] {
  const roots = ['core/src', 'plugin-sdk/src', ...readdirSync(join(REPO, 'plugins')).map((p) => `plugins/${p}/src`)];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const r of roots) walk(join(REPO, r));
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Each file's import specifiers (static and literal dynamic ones; type-only ones too). */
function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

test('no import circle among our modules', () => {
  const graph = new Map<string, string[]>();
  for (const f of sources()) {
    const deps = importsOf(f)
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')));
    graph.set(f, deps);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const circles: string[] = [];
  const visit = (f: string): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      circles.push([...stack.slice(stack.indexOf(f)), f].map((p) => relative(REPO, p)).join(' → '));
      return;
    }
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) visit(d);
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f);
  assert.deepEqual(circles, []);
});

test('the plugins import only the SDK and node: modules (and their own files)', () => {
  const foreign: string[] = [];
  for (const f of sources().filter((p) => relative(REPO, p).startsWith('plugins/'))) {
    for (const s of importsOf(f)) {
      if (s.startsWith('.') || s.startsWith('node:') || s === '@mdevctl/plugin-sdk' || s.startsWith('@mdevctl/plugin-sdk/')) continue;
      if (s === 'execa' && relative(REPO, f).startsWith('plugins/callouts/')) continue; // a design dependency (README)
      foreign.push(`${relative(REPO, f)}: ${s}`);
    }
  }
  assert.deepEqual(foreign, []);
});

test("mdevctl's bundle holds no simulator code (esbuild metafile)", () => {
  const meta = JSON.parse(readFileSync(join(REPO, 'core/dist/bundle/mdevctl.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.some((i) => i.endsWith('core/dist/cli/main.js')), 'the metafile lists the bundle inputs');
  assert.ok(inputs.some((i) => i.includes('plugin-sdk/dist/')), 'the SDK is bundled');
  assert.deepEqual(inputs.filter((i) => /plugins\/sim\/|plugin-sim|\/sim\//.test(i)), []);
  const text = readFileSync(join(REPO, 'core/dist/bundle/mdevctl.cjs'), 'utf8');
  assert.doesNotMatch(text, /class SimulatedKernel\b/);
});
