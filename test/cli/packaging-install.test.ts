// Pack and install, as a new user would: scripts/pack.mjs makes one self-contained tarball
// (the workspace packages and every dependency bundled), `npm install -g` puts it into a temp
// prefix — offline: an empty npm cache and an unreachable registry — and the installed mdevctl,
// lsmdev and mdevctl-sim work; the shipped man pages and completion are what the generators
// make from the command definitions now; the installed udev rule brings devices back after a
// simulated reboot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO, tempDir } from '../helpers/cli.js';
import { RULE, docs, rebootStory, upstreamRuleLines } from '../helpers/packaging.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

function sh(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(command, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('npm pack → npm install -g (offline, temp prefix) → mdevctl, lsmdev, man pages, completion, udev rule', { timeout: 600_000 }, async (t) => {
  if (spawnSync('npm', ['--version']).error) {
    t.skip('npm is not available');
    return;
  }
  const { dir: work, cleanup } = tempDir('mdevctl-pack-test-');
  try {
    // 1. one tarball
    const pack = sh(process.execPath, [join(REPO, 'scripts/pack.mjs'), '--no-build', '--out', join(work, 'out')]);
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = pack.stdout.trim();
    assert.equal(tarball, join(work, 'out', 'mdevctl-1.4.0.tgz'));
    const listing = sh('tar', ['-tzf', tarball]).stdout.split('\n');
    for (const f of [
      'package/bin/mdevctl.js',
      'package/bin/lsmdev.js',
      'package/dist/cli/main.js',
      'package/man/mdevctl.8',
      'package/man/lsmdev.8',
      'package/completion/mdevctl.bash',
      'package/node_modules/@mdevctl/plugin-sdk/package.json',
      'package/node_modules/@mdevctl/plugin-mtty/package.json',
      'package/node_modules/clipanion/package.json',
    ]) {
      assert.ok(listing.includes(f), `the tarball has ${f}`);
    }
    assert.ok(!listing.some((f) => f.startsWith('package/src/') || f.includes('/typescript/')), 'no sources, no dev dependencies');
    // No source maps pointing at sources it does not ship (the SDK ships its src/, so keeps its
    // maps), and no esbuild metafile.
    const maps = listing.filter((f) => f.endsWith('.map') && !f.startsWith('package/node_modules/@mdevctl/plugin-sdk/'));
    assert.deepEqual(maps.filter((f) => f.startsWith('package/dist/') || f.startsWith('package/node_modules/@mdevctl/')), []);
    assert.deepEqual(listing.filter((f) => f.endsWith('.meta.json')), []);
    const manifest = JSON.parse(sh('tar', ['-xzOf', tarball, 'package/package.json']).stdout) as Record<string, unknown>;
    assert.deepEqual(manifest['bundleDependencies'], Object.keys(manifest['dependencies'] as object).sort());
    assert.equal(manifest['scripts'], undefined);

    // 2. install it into a temp prefix, with no registry and an empty cache
    const prefix = join(work, 'prefix');
    const install = sh('npm', [
      'install', '-g', '--prefix', prefix, '--offline', '--cache', join(work, 'empty-cache'),
      '--registry', 'http://127.0.0.1:9/', '--no-audit', '--no-fund', tarball,
    ]);
    assert.equal(install.status, 0, install.stderr);
    const bin = (name: string) => join(prefix, 'bin', name);
    const pkg = join(prefix, 'lib/node_modules/mdevctl');
    for (const name of ['mdevctl', 'lsmdev', 'mdevctl-sim']) assert.ok(lstatSync(bin(name)).isSymbolicLink(), name);

    // 3. the programs, run as a user runs them (their #! line, node on PATH)
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
    const exec = (name: string, args: string[], root?: string) =>
      sh(bin(name), args, { cwd: work, env: root !== undefined ? { ...env, MDEVCTL_ENV_ROOT: root } : env });
    assert.deepEqual(exec('mdevctl', ['--version']), { status: 0, stdout: 'mdevctl 1.4.0\n', stderr: '' });
    assert.deepEqual(exec('lsmdev', ['--version']), { status: 0, stdout: 'lsmdev 1.4.0\n', stderr: '' });
    const root = join(work, 'host');
    assert.equal(exec('mdevctl-sim', ['init', root, '--parents', 'mtty,mdpy']).status, 0);
    assert.deepEqual(exec('mdevctl', ['define', '-u', U1, '-p', 'mtty', '-t', 'mtty-2', '--auto'], root), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(exec('mdevctl', ['list', '-d'], root), { status: 0, stdout: `${U1} mtty mtty-2 auto\n`, stderr: '' });
    assert.deepEqual(exec('mdevctl', ['start', '-u', U1], root), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(exec('lsmdev', [], root), { status: 0, stdout: `${U1} mtty mtty-2 auto (defined)\n`, stderr: '' });
    assert.equal(exec('mdevctl', ['types', '-p', 'mtty', '--dumpjson'], root).status, 0);
    assert.ok(realpathSync(join(pkg, 'node_modules/@mdevctl/plugin-sdk')).startsWith(realpathSync(pkg)), 'the SDK is the bundled copy');

    // 4. the shipped documents are what the definitions give now; npm linked the man pages
    const gen = await docs();
    for (const f of await gen.generatedFiles()) assert.equal(readFileSync(join(pkg, f.path), 'utf8'), f.content, `shipped ${f.path} is current`);
    for (const page of ['mdevctl.8', 'lsmdev.8']) {
      assert.equal(readFileSync(join(prefix, 'share/man/man8', page), 'utf8'), readFileSync(join(pkg, 'man', page), 'utf8'), `man ${page} is linked`);
    }

    // 5. install-system-files from the installed program: the rule runs it by absolute paths
    const system = join(work, 'system');
    const installed = exec('mdevctl', ['install-system-files'], system);
    assert.equal(installed.status, 0, installed.stderr);
    const ruleCommand = `${process.execPath} ${realpathSync(join(pkg, 'bin/mdevctl.js'))}`;
    assert.deepEqual(
      readFileSync(join(system, RULE), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')),
      upstreamRuleLines(ruleCommand),
    );
    assert.ok(existsSync(join(system, 'usr/share/bash-completion/completions/mdevctl')));

    // 6. the reboot story with the installed programs
    rebootStory(bin('mdevctl'), bin('mdevctl-sim'), work);
  } finally {
    cleanup();
  }
});
