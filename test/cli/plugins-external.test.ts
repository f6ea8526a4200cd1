// The vendor story end to end: the template plugin (examples/plugin-template) is built outside the
// workspace with only the packed SDK, passes its own tests (which can fail), is installed like a
// vendor's package in ROOT/usr/lib/node_modules, and an admin enables it with one line of
// configuration. Then the real mdevctl loads it: it validates, rejects (nothing written), sees only
// its devices, and adds listing data only with -x.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mdevctl, runBin } from '../helpers/cli.js';
import { fails, ok, run, unchanged, withHost } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';
import { TEMPLATE_NAME, installAsVendorPackage, sh, workbench, type Workbench } from '../helpers/plugin-package.js';

const U = (n: number) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0${n}`;
const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';

let bench: Workbench;
before(() => {
  bench = workbench();
});
after(() => bench?.cleanup());

test('the template builds and passes its own tests with nothing but the packed SDK', () => {
  const r = sh(bench.plugin, 'npm', ['test']);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /ℹ pass 6\n/);
  assert.match(r.output, /ℹ fail 0\n/);
});

test('a module added to the template ships: its package test packs, installs and loads it, and fails when `files` leaves it out', () => {
  const source = join(bench.plugin, 'src/plugin.ts');
  const manifest = join(bench.plugin, 'package.json');
  const [good, goodManifest] = [readFileSync(source, 'utf8'), readFileSync(manifest, 'utf8')];
  try {
    writeFileSync(join(bench.plugin, 'src/rates.ts'), 'export const DEFAULT_MAX = 4;\n');
    writeFileSync(source, `import { DEFAULT_MAX } from './rates.js';\n${good.replace('options.maxDefined ?? 4', 'options.maxDefined ?? DEFAULT_MAX')}`);
    const r = sh(bench.plugin, 'npm', ['test']);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /ℹ pass 6\n/);
    // the per-file list the template once had: the tarball lacks dist/rates.js
    const files = ['dist/index.js', 'dist/index.d.ts', 'dist/plugin.js', 'dist/plugin.d.ts', 'README.md'];
    writeFileSync(manifest, JSON.stringify({ ...(JSON.parse(goodManifest) as object), files }));
    const broken = sh(bench.plugin, 'npm', ['test']);
    assert.notEqual(broken.status, 0, broken.output);
    assert.match(broken.output, /ℹ fail 1\n/);
    assert.match(broken.output, /dist\/rates\.js/);
  } finally {
    writeFileSync(source, good);
    writeFileSync(manifest, goodManifest);
    rmSync(join(bench.plugin, 'src/rates.ts'));
    rmSync(join(bench.plugin, 'dist/rates.js'), { force: true });
    rmSync(join(bench.plugin, 'dist/rates.d.ts'), { force: true });
    assert.equal(sh(bench.plugin, 'npm', ['run', 'build']).status, 0);
  }
});

test('the template\'s tests can fail: a broken rule is caught', () => {
  const source = join(bench.plugin, 'src/plugin.ts');
  const good = readFileSync(source, 'utf8');
  try {
    writeFileSync(source, good.replace('others.length >= this.maxDefined', 'others.length > this.maxDefined'));
    const r = sh(bench.plugin, 'npm', ['test']);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /ℹ fail 1\n/);
  } finally {
    writeFileSync(source, good);
    assert.equal(sh(bench.plugin, 'npm', ['run', 'build']).status, 0);
  }
});

test("the SDK README's end-to-end test: MDEVCTL_CONFIG=my-config.json beside the plugin, enabled by its absolute or relative path", () =>
  withHost((h) => {
    const config = join(bench.dir, 'my-config.json');
    for (const path of [bench.plugin, './mdevctl-plugin-mdpy']) {
      writeFileSync(config, `${JSON.stringify({ plugins: { [path]: { maxDefined: 1 } } })}\n`);
      const env = { MDEVCTL_CONFIG: config };
      assert.deepEqual(runBin(h.root, ['define', '-u', U(1), '-p', 'mdpy', '-t', 'mdpy-xga'], { env }), { status: 0, stdout: '', stderr: '' }, path);
      assert.deepEqual(
        runBin(h.root, ['define', '-u', U(2), '-p', 'mdpy', '-t', 'mdpy-vga'], { env }),
        { status: 1, stdout: '', stderr: 'Error: Plugin example-mdpy: Parent mdpy already has 1 defined devices; the limit is 1\n' },
        path,
      );
      run(h, 'undefine', '-u', U(1));
    }
    // in the host's own configuration file an absolute path is under the root (an image's /usr/lib/…)
    writeFileSync(h.path(CONFIG), `${JSON.stringify({ plugins: { [bench.plugin]: true } })}\n`);
    fails(mdevctl(h.root, 'list'), 1, `Error: Invalid configuration file ${h.path(CONFIG)}: plugins[${JSON.stringify(bench.plugin)}]: no plugin at ${h.path(bench.plugin.slice(1))}\n`);
  }));

/** A simulated host with the vendor package installed and enabled by `line` of configuration. */
function withVendorPlugin(line: string, fn: (h: SimHost) => void): void {
  withHost((h) => {
    installAsVendorPackage(bench, h.root);
    writeFileSync(h.path(CONFIG), `${line}\n`);
    fn(h);
  });
}

test('enabled with one line, it rejects a define over its limit before anything is written', () =>
  withVendorPlugin(`{"plugins": {"${TEMPLATE_NAME}": {"maxDefined": 2}}}`, (h) => {
    run(h, 'define', '-u', U(1), '-p', 'mdpy', '-t', 'mdpy-vga');
    run(h, 'define', '-u', U(2), '-p', 'mdpy', '-t', 'mdpy-xga');
    unchanged(h, () =>
      fails(mdevctl(h.root, 'define', '-u', U(3), '-p', 'mdpy', '-t', 'mdpy-hd'), 1, 'Error: Plugin example-mdpy: Parent mdpy already has 2 defined devices; the limit is 2\n'),
    );
    assert.deepEqual(h.definitions('mdpy'), [U(1), U(2)]);
    // not its business: other parents have no limit
    for (const n of [3, 4, 5]) run(h, 'define', '-u', U(n), '-p', 'mtty', '-t', 'mtty-1');
  }));

test('its listing data shows only with -x, and only on its devices and types', () =>
  withVendorPlugin(`{"plugins": {"${TEMPLATE_NAME}": true}}`, (h) => {
    run(h, 'define', '-u', U(1), '-p', 'mdpy', '-t', 'mdpy-xga');
    run(h, 'define', '-u', U(2), '-p', 'mtty', '-t', 'mtty-1');
    run(h, 'start', '-u', U(1));
    const plain = `${U(1)} mdpy mdpy-xga manual (active)\n${U(2)} mtty mtty-1 manual\n`;
    ok(mdevctl(h.root, 'list', '-d'), plain);
    ok(
      mdevctl(h.root, 'list', '-d', '-x'),
      `${U(1)} mdpy mdpy-xga manual (active)\n  Claimed by: example-mdpy\n  Display: 1024x768\n` +
        `${U(2)} mtty mtty-1 manual\n  Claimed by: mtty\n  Ports: 1\n`,
    );
    ok(mdevctl(h.root, 'list', '--extended'), `${U(1)} mdpy mdpy-xga manual (defined)\n  Claimed by: example-mdpy\n  Display: 1024x768\n`);
    const json = JSON.parse(mdevctl(h.root, 'list', '-d', '-x', '--dumpjson').stdout);
    assert.deepEqual(json, [
      {
        mdpy: [{ [U(1)]: { mdev_type: 'mdpy-xga', start: 'manual', attrs: [], claimed_by: ['example-mdpy'], display: { width: 1024, height: 768 } } }],
        mtty: [{ [U(2)]: { mdev_type: 'mtty-1', start: 'manual', attrs: [], claimed_by: ['mtty'], ports: 1 } }],
      },
    ]);
    const types = mdevctl(h.root, 'types', '-p', 'mdpy', '-x');
    assert.equal(types.status, 0, types.stderr);
    assert.match(types.stdout, /^ {2}mdpy-hd\n {4}Available instances: \d+\n {4}Device API: vfio-pci\n(?: {4}.*\n)* {4}Claimed by: example-mdpy\n {4}Display: 1920x1080\n/m);
    assert.doesNotMatch(mdevctl(h.root, 'types', '-p', 'mdpy').stdout, /Display|Claimed/);
  }));

test('its options reach its factory; options its declarations (configuration export) refuse fail the command naming it', () =>
  withVendorPlugin(`{"plugins": {"${TEMPLATE_NAME}": {"maxDefined": 0}}}`, (h) => {
    unchanged(h, () =>
      fails(
        mdevctl(h.root, 'define', '-u', U(1), '-p', 'mdpy', '-t', 'mdpy-vga'),
        1,
        `Error: Plugin ${TEMPLATE_NAME} failed to load: option "maxDefined" must be a whole number from 1, not 0\n`,
      ),
    );
  }));

test('an option the plugin does not declare fails the command naming it and the known ones', () =>
  withVendorPlugin(`{"plugins": {"${TEMPLATE_NAME}": {"maxDefind": 2}}}`, (h) => {
    unchanged(h, () =>
      fails(
        mdevctl(h.root, 'list'),
        1,
        `Error: Plugin ${TEMPLATE_NAME} failed to load: unknown option "maxDefind" (known: maxDefined)\n`,
      ),
    );
  }));
