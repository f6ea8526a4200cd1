// Black-box: `mdevctl plugin-init DIR` from a checkout — the template copied (nothing a build or an
// install left there), the SDK this mdevctl resolves vendored and wired in, one line on stdout;
// an existing non-empty DIR or a file is refused with one line and nothing is made. The whole way
// from the packed tarball to an enabled plugin is test/cli/packaging-plugin.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MDEVCTL_BIN, REPO, tempDir } from '../helpers/cli.js';

function init(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [MDEVCTL_BIN, 'plugin-init', ...args], { cwd, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Relative paths of the files under dir, sorted. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

test('plugin-init DIR: the template with the SDK vendored and wired in; one line', () => {
  const { dir, cleanup } = tempDir('mdevctl-plugin-init-');
  try {
    assert.deepEqual(init(dir, 'a/b/my-plugin'), {
      status: 0,
      stdout: [
        'Created plugin package my-plugin in a/b/my-plugin (@mdevctl/plugin-sdk 1.4.0 in vendor/mdevctl-plugin-sdk)',
        'Next:',
        '  cd a/b/my-plugin && npm install && npm test',
        '  edit src/plugin.ts: PLUGIN_NAME (what admins see), claims (the parents and types it is about), its checks;',
        '       src/index.ts: the options it takes; package.json: description, author, license; README.md',
        '  npm pack, then as root: npm install -g ./my-plugin-1.0.0.tgz',
        '  enable it in /etc/mdevctl.d/mdevctl.config.json: {"plugins": {"my-plugin": true}}',
        '',
      ].join('\n'),
      stderr: '',
    });
    const made = join(dir, 'a/b/my-plugin');
    const files = tree(made);
    for (const f of ['.gitignore', '.npmrc', 'README.md', 'package.json', 'tsconfig.json', 'src/index.ts', 'src/plugin.ts', 'src/test/plugin.test.ts']) {
      assert.ok(files.includes(f), `${f} is there`);
    }
    assert.ok(!files.some((f) => /^(node_modules|dist)\/|^package-lock\.json$/.test(f)), 'nothing a build or install made');
    assert.equal(readFileSync(join(made, 'src/plugin.ts'), 'utf8'), readFileSync(join(REPO, 'examples/plugin-template/src/plugin.ts'), 'utf8'));
    assert.equal(readFileSync(join(made, '.npmrc'), 'utf8'), 'install-links=true\n');
    const manifest = JSON.parse(readFileSync(join(made, 'package.json'), 'utf8')) as Record<string, unknown>;
    const template = JSON.parse(readFileSync(join(REPO, 'examples/plugin-template/package.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(manifest, {
      ...template,
      name: 'my-plugin',
      dependencies: { '@mdevctl/plugin-sdk': 'file:vendor/mdevctl-plugin-sdk' },
      bundleDependencies: ['@mdevctl/plugin-sdk'],
    });
    // the SDK as its package has it: package.json and its `files`
    const sdk = join(made, 'vendor/mdevctl-plugin-sdk');
    assert.deepEqual(readdirSync(sdk).sort(), ['README.md', 'dist', 'package.json', 'src']);
    assert.equal(readFileSync(join(sdk, 'dist/index.js'), 'utf8'), readFileSync(join(REPO, 'plugin-sdk/dist/index.js'), 'utf8'));
    assert.deepEqual(readdirSync(join(dir, 'a/b')), ['my-plugin'], 'no temp dir left beside it');
  } finally {
    cleanup();
  }
});

test('plugin-init --name: a scoped name, and the tarball it will make', () => {
  const { dir, cleanup } = tempDir('mdevctl-plugin-init-');
  try {
    const r = init(dir, '--name', '@acme/mdevctl-plugin-vgpu', 'My Plugin');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Created plugin package @acme\/mdevctl-plugin-vgpu in My Plugin /);
    assert.ok(r.stdout.includes('npm install -g ./acme-mdevctl-plugin-vgpu-1.0.0.tgz\n'), r.stdout);
    assert.equal((JSON.parse(readFileSync(join(dir, 'My Plugin/package.json'), 'utf8')) as { name: string }).name, '@acme/mdevctl-plugin-vgpu');
  } finally {
    cleanup();
  }
});

test('plugin-init: an empty DIR is used; a non-empty one or a file is refused, nothing made', () => {
  const { dir, cleanup } = tempDir('mdevctl-plugin-init-');
  try {
    mkdirSync(join(dir, 'empty'));
    assert.equal(init(dir, 'empty').status, 0);
    assert.ok(existsSync(join(dir, 'empty/package.json')));
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full/notes.txt'), 'mine\n');
    assert.deepEqual(init(dir, 'full'), { status: 1, stdout: '', stderr: 'Error: full exists and is not an empty directory\n' });
    assert.deepEqual(readdirSync(join(dir, 'full')), ['notes.txt']);
    writeFileSync(join(dir, 'file'), '');
    assert.deepEqual(init(dir, 'file'), { status: 1, stdout: '', stderr: 'Error: file exists and is not an empty directory\n' });
    assert.deepEqual(init(dir).status, 2, 'DIR is required');
    assert.deepEqual(readdirSync(dir).sort(), ['empty', 'file', 'full']);
    // a name npm would not take is refused before anything is made
    assert.deepEqual(init(dir, 'My Plugin'), {
      status: 1,
      stdout: '',
      stderr:
        `Error: The directory name "My Plugin" is not an npm package name (lower case letters, digits, '-', '.', '_', '~', optionally @scope/); give one with --name\n`,
    });
    assert.equal(init(dir, '--name', 'Acme', 'acme').status, 1);
    assert.deepEqual(readdirSync(dir).sort(), ['empty', 'file', 'full']);
  } finally {
    cleanup();
  }
});
