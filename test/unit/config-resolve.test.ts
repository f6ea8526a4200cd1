// Where an external plugin named in the configuration file is found: paths (relative to the
// configuration file's dir, absolute ones under the root; a developer's file outside the root:
// as given), package names in the system's, mdevctl's own and the global node_modules in order,
// nothing of the host's leading out of the root, and the module a package's package.json points
// `import()` at.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pluginSearchDirs, resolvePlugin } from 'mdevctl';
import { tempDir } from '../helpers/cli.js';

function withTree(fn: (root: string, put: (rel: string, text?: string) => string) => void): void {
  const { dir: root, cleanup } = tempDir('mdevctl-resolve-');
  const put = (rel: string, text = 'export default {};\n') => {
    const file = join(root, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  try {
    fn(root, put);
  } finally {
    cleanup();
  }
}

test('the search dirs: usr/local then usr under the root, then npm\'s global dir of the running node', () => {
  assert.deepEqual(pluginSearchDirs('/r', {}, '/opt/node/bin/node'), [
    '/r/usr/local/lib/node_modules',
    '/r/usr/lib/node_modules',
    '/opt/node/lib/node_modules',
  ]);
  assert.deepEqual(pluginSearchDirs('/r', { npm_config_prefix: '/home/me/.npm-global' }, '/usr/bin/node').at(-1), '/home/me/.npm-global/lib/node_modules');
  // on a real host the node of /usr/bin is the system's dir: listed once
  assert.deepEqual(pluginSearchDirs('/', {}, '/usr/bin/node'), ['/usr/local/lib/node_modules', '/usr/lib/node_modules']);
});

test('the search dirs: beside mdevctl itself when it is installed in a node_modules dir (npm install -g --prefix P)', () => {
  assert.deepEqual(pluginSearchDirs('/r', {}, '/opt/node/bin/node', '/p/lib/node_modules/mdevctl'), [
    '/r/usr/local/lib/node_modules',
    '/r/usr/lib/node_modules',
    '/p/lib/node_modules',
    '/opt/node/lib/node_modules',
  ]);
  // a checkout (core/ is not in a node_modules dir) adds nothing
  assert.equal(pluginSearchDirs('/r', {}, '/opt/node/bin/node', '/src/mdevctl/core').length, 3);
});

test('what the host\'s configuration names stays on the host: relative paths, symlinked dirs and node_modules entries leading out are refused', () =>
  withTree((root, put) => {
    const { dir: outside, cleanup } = tempDir('mdevctl-outside-');
    try {
      const confDir = join(root, 'etc/mdevctl.d');
      mkdirSync(confDir, { recursive: true });
      writeFileSync(join(outside, 'evil.js'), 'export default {};\n');
      mkdirSync(join(outside, 'pkg'));
      writeFileSync(join(outside, 'pkg/index.js'), 'export default {};\n');
      const dirs = pluginSearchDirs(root, {}, '/nonexistent/bin/node');
      const escape = relative(confDir, join(outside, 'evil.js'));
      assert.throws(() => resolvePlugin(`./${escape}`, confDir, root, dirs), { message: /leads outside the root / });
      symlinkSync(outside, join(confDir, 'linked'));
      assert.throws(() => resolvePlugin('./linked/evil.js', confDir, root, dirs), { message: `${join(confDir, 'linked/evil.js')} leads outside the root ${root} (to ${join(outside, 'evil.js')})` });
      assert.throws(() => resolvePlugin('/etc/mdevctl.d/linked/pkg', confDir, root, dirs), { message: /leads outside the root / });
      mkdirSync(join(root, 'usr/lib/node_modules'), { recursive: true });
      symlinkSync(join(outside, 'pkg'), join(root, 'usr/lib/node_modules/linked-pkg'));
      assert.throws(() => resolvePlugin('linked-pkg', '/', root, dirs), { message: /linked-pkg leads outside the root / });
      // a symlink that stays on the host is fine
      const inside = put('opt/acme/a.js');
      symlinkSync(join(root, 'opt/acme'), join(confDir, 'acme'));
      assert.equal(resolvePlugin('./acme/a.js', confDir, root, dirs), join(confDir, 'acme/a.js'));
      void inside;
      // a developer's configuration file outside the root: its paths as given, not confined
      assert.equal(resolvePlugin(join(outside, 'evil.js'), outside, root, dirs, { hostFile: false }), join(outside, 'evil.js'));
      assert.equal(resolvePlugin('./pkg', outside, root, dirs, { hostFile: false }), join(outside, 'pkg/index.js'));
    } finally {
      cleanup();
    }
  }));

test('paths: relative to the configuration file\'s dir, absolute under the root; a dir is a package', () =>
  withTree((root, put) => {
    const confDir = join(root, 'etc/mdevctl.d');
    const rel = put('etc/mdevctl.d/plugins/a.js');
    const abs = put('opt/acme/b.mjs');
    const pkg = put('opt/acme/pkg/lib/main.js');
    put('opt/acme/pkg/package.json', JSON.stringify({ main: 'lib/main' }));
    const dirs = pluginSearchDirs(root, {});
    assert.equal(resolvePlugin('./plugins/a.js', confDir, root, dirs), rel);
    assert.equal(resolvePlugin('../mdevctl.d/plugins/a.js', confDir, root, dirs), rel);
    assert.equal(resolvePlugin('/opt/acme/b.mjs', confDir, root, dirs), abs);
    assert.equal(resolvePlugin('/opt/acme/pkg', confDir, root, dirs), pkg);
    assert.throws(() => resolvePlugin('./nothing.js', confDir, root, dirs), { message: `no plugin at ${join(confDir, 'nothing.js')}` });
  }));

test('package names: the first dir that has the package wins (usr/local before usr)', () =>
  withTree((root, put) => {
    const dirs = pluginSearchDirs(root, {}, '/nonexistent/bin/node');
    const usr = put('usr/lib/node_modules/@acme/gpu/index.js');
    assert.equal(resolvePlugin('@acme/gpu', '/', root, dirs), usr);
    const local = put('usr/local/lib/node_modules/@acme/gpu/index.js');
    assert.equal(resolvePlugin('@acme/gpu', '/', root, dirs), local);
    assert.throws(() => resolvePlugin('@acme/other', '/', root, dirs), {
      message: `package not found in ${dirs.join(', ')}`,
    });
    for (const bad of ['@acme', '@acme/gpu/sub', 'with space', '@../x', 'a\\b']) {
      assert.throws(() => resolvePlugin(bad, '/', root, dirs), { message: /^not a package name/ }, bad);
    }
  }));

test('a package\'s module: "exports" (. entry; node, import, default), else "main", else index.js', () =>
  withTree((root, put) => {
    const dirs = pluginSearchDirs(root, {}, '/nonexistent/bin/node');
    const nm = 'usr/lib/node_modules';
    const check = (name: string, pkg: unknown, file: string) => {
      put(`${nm}/${name}/package.json`, JSON.stringify(pkg));
      const expected = put(`${nm}/${name}/${file}`);
      assert.equal(resolvePlugin(name, '/', root, dirs), expected, name);
    };
    check('p-string', { exports: './dist/a.js' }, 'dist/a.js');
    check('p-dot', { exports: { '.': { types: './x.d.ts', import: './dist/b.js', require: './dist/b.cjs' } } }, 'dist/b.js');
    check('p-cond', { exports: { require: './c.cjs', default: './dist/c.js' } }, 'dist/c.js');
    check('p-nested', { exports: { '.': { node: { import: './n.mjs' }, default: './d.js' } } }, 'n.mjs');
    check('p-array', { exports: [{ worker: './w.js' }, './dist/e.js'] }, 'dist/e.js');
    check('p-main', { main: './lib/f.js' }, 'lib/f.js');
    check('p-index', { name: 'p-index' }, 'index.js');
    put(`${nm}/p-none/package.json`, JSON.stringify({ exports: { './sub': './s.js' } }));
    assert.throws(() => resolvePlugin('p-none', '/', root, dirs), /exports no "\." entry for import/);
    put(`${nm}/p-unbuilt/package.json`, JSON.stringify({ exports: './dist/index.js' }));
    assert.throws(() => resolvePlugin('p-unbuilt', '/', root, dirs), /exports \.\/dist\/index\.js, which does not exist \(is the package built\?\)/);
    put(`${nm}/p-broken/package.json`, '{ not json');
    assert.throws(() => resolvePlugin('p-broken', '/', root, dirs), { message: /^unreadable .*p-broken\/package\.json: / });
  }));
