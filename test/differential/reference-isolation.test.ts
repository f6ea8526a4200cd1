// The 1.2.0 reference leaves the machine as it found it: preparing it calls no package tool that
// installs or removes anything and puts no mdevctl/lsmdev/busybox on PATH (the unpacked .debs live
// in a cache dir), and no test or script helper outside the qemu-guest build (test/kernel) calls
// `apt-get install`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, tempDir } from '../helpers/cli.js';
import { debianMdevctl, referenceCacheDir, type Availability } from '../helpers/debian-mdevctl.js';
import { Pair } from './pair.js';

const NAMES = ['mdevctl', 'lsmdev', 'busybox'];

/** The real paths of the executables named NAMES on a PATH. */
function onPath(path: string): string[] {
  const out = new Set<string>();
  for (const dir of path.split(delimiter).filter(Boolean)) {
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

/** The first executable `name` on PATH, or undefined. */
function which(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

const inside = (dir: string, p: string): boolean => !relative(dir, p).startsWith('..');

/** What of the package tools' calls would change the machine's packages. */
const CHANGES_PACKAGES = /^(apt-get|apt) (.* )?(install|remove|purge|reinstall|upgrade|dist-upgrade)\b|^dpkg (.* )?(-i|--install|--unpack|-r|--remove|-P|--purge|--configure)\b/;

// The helper runs in a child whose PATH starts with shims of apt-get, apt, apt-cache, dpkg and
// dpkg-deb that log every call and run the real tool: what the helper did to the machine is then
// known exactly, whatever else runs on it at the same time.
test('preparing the 1.2.0 reference installs no package and puts nothing on PATH', (t) => {
  const { dir, cleanup } = tempDir('mdevctl-reference-isolation-');
  try {
    const shims = join(dir, 'shims');
    const log = join(dir, 'calls.log');
    mkdirSync(shims);
    writeFileSync(log, '');
    for (const tool of ['apt-get', 'apt', 'apt-cache', 'dpkg', 'dpkg-deb']) {
      const real = which(tool);
      if (real === undefined) continue;
      writeFileSync(join(shims, tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    }
    const cache = join(dir, 'cache');
    const path = `${shims}${delimiter}${process.env['PATH'] ?? '/usr/bin:/bin'}`;
    const helper = pathToFileURL(join(REPO, 'test/dist/helpers/debian-mdevctl.js')).href;
    const script =
      `const m = await import(${JSON.stringify(helper)});\n` +
      'const a = m.debianMdevctl();\n' +
      'if (a.ok) {\n' +
      `  const r = (await import('node:fs')).mkdtempSync(${JSON.stringify(join(dir, 'root-'))});\n` +
      '  m.prepareDebianRoot(r, a.mdevctl);\n' +
      "  process.stderr.write(m.runDebian(r, a.mdevctl, ['--version']).stdout);\n" +
      '}\n' +
      'process.stdout.write(JSON.stringify(a));\n';
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: path, MDEVCTL_REFERENCE_CACHE: cache },
    });
    assert.equal(child.status, 0, child.stderr);
    const a = JSON.parse(child.stdout) as Availability;
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    t.diagnostic(`the helper's calls: ${calls.join(' | ')}`);
    assert.deepEqual(calls.filter((c) => CHANGES_PACKAGES.test(c)), [], 'no call that changes packages');
    for (const p of path.split(delimiter)) assert.ok(!inside(cache, p), `${p} (the reference cache) is not on PATH`);
    assert.ok(!onPath(path).some((exe) => inside(cache, exe)), 'nothing of the cache is on PATH');
    if (!a.ok) {
      t.diagnostic(`reference unavailable here (${a.reason}): checked that trying changed nothing`);
      return;
    }
    assert.match(child.stderr, /^mdevctl 1\.2\./m, 'it runs');
    assert.ok(calls.some((c) => /^apt-get .*download mdevctl=/.test(c)), 'fetched with apt-get download');
    assert.ok(calls.some((c) => /^dpkg-deb -x /.test(c)), 'unpacked with dpkg-deb -x');
    assert.ok(inside(cache, a.mdevctl.hostBinary), `${a.mdevctl.hostBinary} is in ${cache}`);
    assert.ok(inside(cache, a.mdevctl.busybox), `${a.mdevctl.busybox} is in ${cache}`);
  } finally {
    cleanup();
  }
});

// In this process too (the cache the differential tests use).
test('the differential helper in this process: its reference is in the cache, not on PATH', (t) => {
  const a = debianMdevctl();
  const p = Pair.create();
  if (typeof p !== 'string') p.cleanup();
  const cache = referenceCacheDir();
  const found = onPath(process.env['PATH'] ?? '');
  assert.ok(!found.some((exe) => inside(cache, exe)), 'nothing of the cache is on PATH');
  if (a.ok) assert.ok(inside(cache, a.mdevctl.hostBinary));
  const foreign = found.filter((exe) => exe.endsWith('/mdevctl') && !inside(REPO, exe));
  if (foreign.length > 0) t.diagnostic(`a mdevctl other than ours is on PATH (not from these tests): ${foreign.join(', ')}`);
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
