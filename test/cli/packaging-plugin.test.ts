// A plugin author's path from the packed output alone, with no registry for @mdevctl/* (an empty
// npm cache, --offline, a registry URL on a closed port): scripts/pack.mjs's tarball installed
// into a temp prefix; its `mdevctl plugin-init DIR` makes a package wired to the SDK it ships; that
// package installs, builds, passes its tests and packs (the SDK bundled); `npm install -g` puts it
// under a simulated host's /usr/local; one line of configuration enables it; the installed
// mdevctl then refuses a define over the plugin's limit and lists what the plugin adds; installed
// beside mdevctl (the same `npm install -g --prefix P`), the plugin is found there too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO, tempDir } from '../helpers/cli.js';
import { CLOSED_REGISTRY, sh } from '../helpers/plugin-package.js';

/** The package plugin-init makes in ./my-plugin is named after the dir. */
const NAME = 'my-plugin';
const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';

test('from the packed output alone: plugin-init → npm install, test, pack → npm install -g → enabled → mdevctl uses it', { timeout: 600_000 }, (t) => {
  if (spawnSync('npm', ['--version']).error) {
    t.skip('npm is not available');
    return;
  }
  const { dir: work, cleanup } = tempDir('mdevctl-plugin-author-');
  try {
    const offline = (cache: string) => ['--offline', '--cache', join(work, cache), '--registry', CLOSED_REGISTRY];
    const must = (cwd: string, cmd: string, args: string[]) => {
      const r = sh(cwd, cmd, args);
      assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.output}`);
      return r.output;
    };
    // 1. the packed mdevctl, installed into a temp prefix
    const pack = spawnSync(process.execPath, [join(REPO, 'scripts/pack.mjs'), '--no-build', '--out', join(work, 'out')], { encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = pack.stdout.trim();
    assert.ok(sh(work, 'tar', ['-tzf', tarball]).output.split('\n').includes('package/plugin-template/package.json'), 'the tarball ships the template');
    const prefix = join(work, 'prefix');
    must(work, 'npm', ['install', '-g', '--prefix', prefix, ...offline('cache-mdevctl'), tarball]);
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
    const exec = (name: string, args: string[], root?: string) => {
      const r = spawnSync(join(prefix, 'bin', name), args, {
        cwd: work,
        encoding: 'utf8',
        env: root !== undefined ? { ...env, MDEVCTL_ENV_ROOT: root } : env,
      });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };

    // 2. the installed mdevctl starts a plugin package; once only
    const init = exec('mdevctl', ['plugin-init', 'my-plugin']);
    assert.equal(init.status, 0, init.stderr);
    assert.equal(init.stderr, '');
    assert.match(init.stdout, /^Created plugin package my-plugin in my-plugin \(@mdevctl\/plugin-sdk 1\.4\.0 in vendor\/mdevctl-plugin-sdk\)\n/);
    // what it says to run next is what this test runs
    assert.ok(init.stdout.includes('  cd my-plugin && npm install && npm test\n'), init.stdout);
    assert.ok(init.stdout.includes('npm install -g ./my-plugin-1.0.0.tgz\n'), init.stdout);
    assert.ok(init.stdout.includes(`{"plugins": {"${NAME}": true}}\n`), init.stdout);
    assert.deepEqual(exec('mdevctl', ['plugin-init', 'my-plugin']), {
      status: 1,
      stdout: '',
      stderr: 'Error: my-plugin exists and is not an empty directory\n',
    });
    const plugin = join(work, 'my-plugin');
    const manifest = JSON.parse(readFileSync(join(plugin, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(manifest['dependencies'], { '@mdevctl/plugin-sdk': 'file:vendor/mdevctl-plugin-sdk' });
    assert.deepEqual(manifest['bundleDependencies'], ['@mdevctl/plugin-sdk']);

    // 3. install, build, test and pack it. The toolchain (typescript, @types/node: public packages a
    //    plugin author gets from the registry) comes from the workspace; @mdevctl/* from nowhere.
    mkdirSync(join(plugin, 'node_modules/@types'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules/typescript'), join(plugin, 'node_modules/typescript'));
    symlinkSync(join(REPO, 'node_modules/@types/node'), join(plugin, 'node_modules/@types/node'));
    must(plugin, 'npm', ['install', ...offline('cache-plugin')]);
    const sdk = join(plugin, 'node_modules/@mdevctl/plugin-sdk');
    assert.ok(lstatSync(sdk).isDirectory(), 'the SDK is a copy, not a link to vendor/');
    assert.equal(
      readFileSync(join(sdk, 'dist/index.js'), 'utf8'),
      readFileSync(join(prefix, 'lib/node_modules/mdevctl/node_modules/@mdevctl/plugin-sdk/dist/index.js'), 'utf8'),
      "the SDK is the installed mdevctl's",
    );
    const tested = must(plugin, 'npm', ['test']);
    assert.match(tested, /ℹ pass 6\n/);
    assert.match(tested, /ℹ fail 0\n/);
    const packed = must(plugin, 'npm', ['pack', '--silent']).trim().split('\n').at(-1) ?? '';
    assert.equal(packed, 'my-plugin-1.0.0.tgz');
    const files = sh(plugin, 'tar', ['-tzf', packed]).output.split('\n');
    assert.ok(files.includes('package/node_modules/@mdevctl/plugin-sdk/package.json'), 'the SDK is bundled');
    assert.ok(!files.some((f) => f.startsWith('package/vendor/') || f.startsWith('package/src/')), 'no vendor/, no sources');

    // 4. a simulated host; the plugin installed under its /usr/local, as `npm install -g` does
    const root = join(work, 'host');
    assert.equal(exec('mdevctl-sim', ['init', root, '--parents', 'mtty,mdpy']).status, 0);
    must(work, 'npm', ['install', '-g', '--prefix', join(root, 'usr/local'), ...offline('cache-global'), join(plugin, packed)]);
    assert.ok(lstatSync(join(root, 'usr/local/lib/node_modules', NAME, 'node_modules/@mdevctl/plugin-sdk/package.json')).isFile());

    // 5. enabled with one line of configuration, the installed mdevctl runs it
    writeFileSync(join(root, 'etc/mdevctl.d/mdevctl.config.json'), `{"plugins": {"${NAME}": {"maxDefined": 1}}}\n`);
    assert.deepEqual(exec('mdevctl', ['define', '-u', U1, '-p', 'mdpy', '-t', 'mdpy-xga'], root), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(exec('mdevctl', ['define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga'], root), {
      status: 1,
      stdout: '',
      stderr: 'Error: Plugin example-mdpy: Parent mdpy already has 1 defined devices; the limit is 1\n',
    });
    assert.deepEqual(exec('mdevctl', ['list', '-d', '-x'], root), {
      status: 0,
      stdout: `${U1} mdpy mdpy-xga manual\n  Claimed by: example-mdpy\n  Display: 1024x768\n`,
      stderr: '',
    });

    // 6. installed beside mdevctl (both `npm install -g --prefix P`): found there, with no
    //    npm_config_prefix in the environment and nothing under the host's node_modules
    must(work, 'npm', ['install', '-g', '--prefix', prefix, ...offline('cache-beside'), join(plugin, packed)]);
    const other = join(work, 'host2');
    assert.equal(exec('mdevctl-sim', ['init', other, '--parents', 'mdpy']).status, 0);
    writeFileSync(join(other, 'etc/mdevctl.d/mdevctl.config.json'), `{"plugins": {"${NAME}": {"maxDefined": 1}}}\n`);
    assert.deepEqual(exec('mdevctl', ['define', '-u', U1, '-p', 'mdpy', '-t', 'mdpy-xga'], other), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(exec('mdevctl', ['define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga'], other), {
      status: 1,
      stdout: '',
      stderr: 'Error: Plugin example-mdpy: Parent mdpy already has 1 defined devices; the limit is 1\n',
    });
  } finally {
    cleanup();
  }
});
