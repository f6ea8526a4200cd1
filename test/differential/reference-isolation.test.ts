// The 1.2.0 reference leaves the machine as it found it: preparing it installs no dpkg package and
// puts no mdevctl/lsmdev/busybox on PATH (the unpacked .debs live in a cache dir), and no test or
// script helper outside the qemu-guest build (test/kernel) calls `apt-get install`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { REPO } from '../helpers/cli.js';
import { debianMdevctl, referenceCacheDir } from '../helpers/debian-mdevctl.js';
import { Pair } from './pair.js';

/** Every installed dpkg package with its version and status, or [] without dpkg. */
function dpkgState(): string[] {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Version} ${db:Status-Abbrev}\n'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return [];
  return r.stdout.split('\n').filter(Boolean).sort();
}

const NAMES = ['mdevctl', 'lsmdev', 'busybox'];

/** The real paths of the executables named NAMES on PATH. */
function onPath(): string[] {
  const out = new Set<string>();
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      try {
        const p = realpathSync(join(dir, name));
        if (statSync(p).isFile()) out.add(p);
      } catch {
        // not there
      }
    }
  }
  return [...out].sort();
}

const inside = (dir: string, p: string): boolean => !relative(dir, p).startsWith('..');

test('preparing the 1.2.0 reference installs no package and puts nothing on PATH', (t) => {
  const dpkgBefore = dpkgState();
  const pathBefore = onPath();
  const a = debianMdevctl();
  const p = Pair.create();
  if (typeof p !== 'string') p.cleanup();
  if (!a.ok) t.diagnostic(`reference unavailable here (${a.reason}): checked that trying changed nothing`);
  assert.deepEqual(dpkgState(), dpkgBefore, 'the dpkg database changed');
  const pathAfter = onPath();
  assert.deepEqual(pathAfter, pathBefore, 'PATH gained an executable');
  const cache = referenceCacheDir();
  for (const exe of pathAfter) assert.ok(!inside(cache, exe), `${exe} (the reference cache) is on PATH`);
  const foreign = pathAfter.filter((exe) => exe.endsWith('/mdevctl') && !inside(REPO, exe));
  if (foreign.length > 0) t.diagnostic(`a mdevctl other than ours was already on PATH: ${foreign.join(', ')}`);
  if (a.ok) {
    assert.ok(inside(cache, a.mdevctl.hostBinary), `${a.mdevctl.hostBinary} is not in ${cache}`);
    assert.ok(inside(cache, a.mdevctl.busybox), `${a.mdevctl.busybox} is not in ${cache}`);
  }
});

/** Source files of the test helpers and scripts (test/kernel builds the qemu guest: not here). */
function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'dist' || name === 'node_modules' || p === join(REPO, 'test/kernel')) continue;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mjs|js|sh)$/.test(name)) out.push(p);
  }
  return out;
}

/** A file's code without its comment lines (comments may say what we don't do). */
function code(f: string): string {
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*|#)/.test(line))
    .join('\n');
}

test('no test helper or script runs apt-get install (test/kernel, the qemu guest build, aside)', () => {
  const self = join(REPO, 'test/differential/reference-isolation.test.ts');
  const offenders = [...sources(join(REPO, 'test')), ...sources(join(REPO, 'scripts'))].filter((f) => {
    if (f === self) return false;
    const c = code(f);
    if (!/apt-get|\bapt\b|dpkg/.test(c)) return false;
    return /['"`]install['"`]|apt(-get)?\s+(-\S+\s+)*install\b|dpkg\s+(-i|--install)\b/.test(c);
  });
  assert.deepEqual(offenders.map((f) => relative(REPO, f)), []);
});
