// The package as users get it: `npm pack` of this directory, the tarball unpacked into a fresh
// node_modules (as `npm install` lays it out; the SDK from the tarball when it is bundled, as
// `mdevctl plugin-init` sets it up, else this package's own), and the plugin imported there by
// its package name, as mdevctl imports it. A file the tarball leaves out (a new src/*.ts that
// `files` in package.json does not ship) fails here, not on the admin's machine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGIN_NAME } from '../index.js';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const NAME = (JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { name: string }).name;

/** npm as `npm test` runs it (npm_execpath), else the one on PATH. */
function npm(args: string[], cwd: string): string {
  const execpath = process.env['npm_execpath'];
  const [cmd, argv] = execpath && execpath.endsWith('.js') ? [process.execPath, [execpath, ...args]] : ['npm', args];
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm ${args.join(' ')}: ${String(r.error ?? '')}${r.stderr}`);
  return r.stdout;
}

/** Relative paths of the .js files under dir. */
function jsFiles(dir: string, top = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name), top) : e.name.endsWith('.js') ? [relative(top, join(dir, e.name))] : [],
  );
}

test('packed, installed and loaded: the tarball holds every module the plugin imports', () => {
  const work = mkdtempSync(join(tmpdir(), 'plugin-package-'));
  try {
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], PACKAGE_DIR)) as [{ filename: string; files: { path: string }[] }];
    const shipped = packed[0].files.map((f) => f.path);
    // every built module but the tests is shipped
    const built = jsFiles(join(PACKAGE_DIR, 'dist')).filter((f) => !f.startsWith('test/')).map((f) => `dist/${f}`);
    assert.deepEqual(built.filter((f) => !shipped.includes(f)), [], 'built modules missing from the tarball');
    assert.ok(!shipped.some((f) => f.startsWith('dist/test/') || f.startsWith('src/')), 'no tests, no sources');

    // unpacked where `npm install` puts a package
    const installed = join(work, 'node_modules', NAME);
    mkdirSync(installed, { recursive: true });
    const tar = spawnSync('tar', ['-xzf', join(work, packed[0].filename), '--strip-components=1', '-C', installed], { encoding: 'utf8' });
    assert.equal(tar.status, 0, tar.stderr);
    const sdk = join(work, 'node_modules/@mdevctl/plugin-sdk');
    if (!existsSync(join(installed, 'node_modules/@mdevctl/plugin-sdk/package.json'))) {
      // not bundled (the template inside the mdevctl repository): the SDK this package uses
      mkdirSync(dirname(sdk), { recursive: true });
      symlinkSync(join(PACKAGE_DIR, 'node_modules/@mdevctl/plugin-sdk'), sdk);
    }

    // imported by name from there, as mdevctl does, and made into a plugin
    const load = `const m = await import(${JSON.stringify(NAME)}); const p = await m.default({});
      process.stdout.write(JSON.stringify({ name: p.name, apply: typeof p.apply, options: Object.keys(m.configuration ?? {}) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', load], { cwd: work, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { name: PLUGIN_NAME, apply: 'function', options: ['maxDefined'] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
