// Black-box: external plugins that fail — while loading (import, factory, apply), in a hook, for
// an incompatible SDK, or by clashing names — give one `Error:` line naming the plugin, exit 1,
// and never a half-done device change (a failure after core's action is undone). The plugins
// are real ES modules under the root, enabled by path in the configuration file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SDK_VERSION } from '@mdevctl/plugin-sdk';
import { mdevctl, runBin } from '../helpers/cli.js';
import { config, fails, ok, run, unchanged, withHost } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';

function put(h: SimHost, rel: string, text: string): void {
  mkdirSync(dirname(h.path(rel)), { recursive: true });
  writeFileSync(h.path(rel), text);
}

/** Writes opt/plugins/<file> (an ES module) and a configuration enabling it by its absolute path. */
function plugin(h: SimHost, file: string, source: string, options: unknown = true): void {
  put(h, `opt/plugins/${file}`, source);
  put(h, CONFIG, JSON.stringify({ plugins: { [`/opt/plugins/${file}`]: options } }));
}

/** A plugin module whose apply() body is `body` (with `hooks` in scope). */
function module(name: string, body: string, extra = ''): string {
  return `export default (options) => ({ name: ${JSON.stringify(name)}, sdkVersion: ${JSON.stringify(SDK_VERSION)}, ${extra}
  apply(hooks) { ${body} } });\n`;
}

test('a plugin module that throws while importing: its path, "failed to load", the message; nothing written', () =>
  withHost((h) => {
    plugin(h, 'bad.mjs', 'throw new Error("kaboom\\nmore detail");\n');
    unchanged(h, () => {
      fails(mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'), 1, 'Error: Plugin /opt/plugins/bad.mjs failed to load: kaboom\n');
      fails(mdevctl(h.root, 'list'), 1, 'Error: Plugin /opt/plugins/bad.mjs failed to load: kaboom\n');
    });
    plugin(h, 'syntax.mjs', 'export default (;\n');
    fails(mdevctl(h.root, 'list'), 1, /^Error: Plugin \/opt\/plugins\/syntax\.mjs failed to load: \S[^\n]*\n$/); // node's words for the syntax error
  }));

test('a factory that throws, a module without a plugin, a plugin object given options', () =>
  withHost((h) => {
    plugin(h, 'factory.mjs', 'export default (o) => { throw new Error(`level ${o.level} is too high`); };\n', { level: 9 });
    fails(mdevctl(h.root, 'types'), 1, 'Error: Plugin /opt/plugins/factory.mjs failed to load: level 9 is too high\n');
    plugin(h, 'none.mjs', 'export const plugin = {};\n');
    fails(mdevctl(h.root, 'types'), 1, `Error: Plugin /opt/plugins/none.mjs failed to load: ${h.path('opt/plugins/none.mjs')} has no default export that is a plugin or a function returning one\n`);
    plugin(h, 'empty.mjs', 'export default () => 42;\n');
    fails(mdevctl(h.root, 'types'), 1, 'Error: Plugin /opt/plugins/empty.mjs failed to load: its factory returned no plugin (an object with name, sdkVersion and apply())\n');
    plugin(h, 'object.mjs', `export default { name: 'obj', sdkVersion: '${SDK_VERSION}', apply() {} };\n`, { x: 1 });
    fails(mdevctl(h.root, 'types'), 1, 'Error: Plugin /opt/plugins/object.mjs failed to load: it exports a plugin object, which takes no options\n');
    plugin(h, 'object.mjs', `export default { name: 'obj', sdkVersion: '${SDK_VERSION}', apply() {} };\n`);
    assert.equal(mdevctl(h.root, 'types', '-p', 'mtty').status, 0, 'a plugin object without options is fine');
  }));

test('apply() that throws: "Plugin <name> failed to load"', () =>
  withHost((h) => {
    plugin(h, 'apply.mjs', module('applier', 'throw new TypeError("hooks.nothing is undefined");'));
    fails(mdevctl(h.root, 'list'), 1, 'Error: Plugin applier failed to load: hooks.nothing is undefined\n');
  }));

test('a throw in a hook reads "Plugin <name>: <message>"; nothing is written', () =>
  withHost((h) => {
    plugin(
      h,
      'hooky.mjs',
      module(
        'hooky',
        `hooks.lifecycle.validate.tap('hooky', (ctx) => { if (ctx.device.type === 'mtty-2') throw new Error('validate broke\\nstack-like line'); });
         hooks.lifecycle.pre.tapPromise('hooky', async (ctx) => { if (ctx.action === 'start') throw new RangeError('pre broke'); });
         hooks.listing.device.tap('hooky', () => { throw new Error('listing broke'); });`,
      ),
    );
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-2'), 1, 'Error: Plugin hooky: validate broke\n'));
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1), 1, 'Error: Plugin hooky: pre broke\n'));
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-1 manual\n`);
    fails(mdevctl(h.root, 'list', '-d', '-x'), 1, 'Error: Plugin hooky: listing broke\n');
    // with MDEVCTL_LOG=debug the stack follows the line
    const debug = runBin(h.root, ['list', '-d', '-x'], { env: { MDEVCTL_LOG: 'debug' } });
    assert.equal(debug.status, 1);
    assert.match(debug.stderr, /^Error: Plugin hooky: listing broke\n[^]*at .*hooky\.mjs/);
  }));

test('a VerbatimError (the SDK marker) is printed without the plugin prefix', () =>
  withHost((h) => {
    plugin(
      h,
      'verbatim.mjs',
      module(
        'verbatim',
        `hooks.lifecycle.pre.tap('verbatim', () => {
           const err = new Error("Script '/x/y' failed with status '1'");
           err[Symbol.for('@mdevctl/plugin-sdk/verbatim')] = true;
           throw err;
         });`,
      ),
    );
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'), 1, "Error: Script '/x/y' failed with status '1'\n"));
  }));

test('an incompatible SDK version is refused before anything runs', () =>
  withHost((h) => {
    const [major, minor] = SDK_VERSION.split('.').map(Number) as [number, number];
    const cases: Array<[unknown, string]> = [
      [`${major + 1}.0.0`, `was built for plugin SDK ${major + 1}.0.0, but this mdevctl provides SDK ${SDK_VERSION}; update mdevctl`],
      [`${major}.${minor + 1}.0`, `was built for plugin SDK ${major}.${minor + 1}.0, but this mdevctl provides SDK ${SDK_VERSION}; update mdevctl`],
      [`${major - 1}.9.0`, `was built for plugin SDK ${major - 1}.9.0, but this mdevctl provides SDK ${SDK_VERSION}; update the plugin`],
      [undefined, 'has no valid sdkVersion (undefined); set it to SDK_VERSION'],
      ['latest', 'has no valid sdkVersion ("latest"); set it to SDK_VERSION'],
    ];
    for (const [version, message] of cases) {
      plugin(h, 'versioned.mjs', `export default () => ({ name: 'vendor', sdkVersion: ${JSON.stringify(version)}, apply() { throw new Error('must not run'); } });\n`);
      unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'), 1, `Error: Plugin vendor ${message}\n`));
    }
    // an older minor version of the same major is fine
    plugin(h, 'versioned.mjs', `export default () => ({ name: 'vendor', sdkVersion: '${major}.0.0', apply() {} });\n`);
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
  }));

test('two plugins of the same name are refused (and core\'s name is taken); turning the built-in off makes room', () =>
  withHost((h) => {
    plugin(h, 'mtty.mjs', module('mtty', ''));
    fails(mdevctl(h.root, 'list'), 1, 'Error: Plugin mtty is loaded twice (two plugins have this name)\n');
    put(h, CONFIG, JSON.stringify({ plugins: { mtty: false, '/opt/plugins/mtty.mjs': true } }));
    ok(mdevctl(h.root, 'list'));
    plugin(h, 'core.mjs', module('mdevctl', ''));
    fails(mdevctl(h.root, 'list'), 1, "Error: Plugin mdevctl: the name is mdevctl's own; choose another\n");
  }));

/** A plugin whose attrs tap (after core's primary action) throws for one action. */
function failAfter(h: SimHost, action: string): void {
  plugin(
    h,
    'after.mjs',
    module('after', `hooks.lifecycle.attrs.tap('after', (ctx) => { if (ctx.action === ${JSON.stringify(action)}) throw new Error('late failure'); });
      hooks.lifecycle.post.tap('after', (ctx) => { if (ctx.action === ${JSON.stringify(action)}) console.error('post saw ' + ctx.state); });`),
  );
}

test('a failure after the primary action undoes it: define, modify, undefine, start', () =>
  withHost((h) => {
    const fileOf = (uuid: string) => `etc/mdevctl.d/mtty/${uuid}`;
    const late = 'post saw failure\nError: Plugin after: late failure\n';
    failAfter(h, 'define');
    const r = mdevctl(h.root, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(r, { status: 1, stdout: '', stderr: late });
    assert.deepEqual(h.definitions('mtty'), [], 'the new definition is removed again');

    put(h, CONFIG, '{}');
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1', '--auto');
    run(h, 'modify', '-u', U1, '--addattr', 'a', '--value', '1');
    const before = h.read(fileOf(U1));
    assert.equal(before, config('mtty-1', 'auto', [['a', '1']]));

    failAfter(h, 'modify');
    assert.deepEqual(mdevctl(h.root, 'modify', '-u', U1, '--manual', '--delattr'), { status: 1, stdout: '', stderr: late });
    assert.equal(h.read(fileOf(U1)), before, 'the modified definition is put back');

    failAfter(h, 'undefine');
    assert.deepEqual(mdevctl(h.root, 'undefine', '-u', U1), { status: 1, stdout: '', stderr: late });
    assert.equal(h.read(fileOf(U1)), before, 'the removed definition is put back');

    failAfter(h, 'start');
    const available = h.available('mtty', 'mtty-1');
    assert.deepEqual(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-1', '-u', U2), { status: 1, stdout: '', stderr: late });
    assert.deepEqual(h.activeUuids(), [], 'the started device is stopped again');
    assert.equal(h.available('mtty', 'mtty-1'), available);
  }));
