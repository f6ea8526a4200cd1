// mdevctl's configuration file: which one applies (MDEVCTL_CONFIG, then the search places in
// order, one file only), the formats, and every kind of malformed file as one line naming it.
// Real files in a temp root, read by the real loader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_PLUGINS, ConfigError, HostPaths, SEARCH_PLACES, findConfigFile, loadSettings, type Settings } from 'mdevctl';
import { tempDir } from '../helpers/cli.js';

interface Root {
  root: string;
  paths: HostPaths;
  /** Writes a file under the root; returns its absolute path. */
  put: (rel: string, text: string) => string;
  path: (rel: string) => string;
  load: (override?: string) => Promise<Settings>;
  cleanup: () => void;
}

function makeRoot(): Root {
  const { dir: root, cleanup } = tempDir('mdevctl-config-');
  mkdirSync(join(root, 'etc/mdevctl.d'), { recursive: true });
  const paths = new HostPaths(root);
  const put = (rel: string, text: string) => {
    const file = join(root, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  const load = (override?: string) => loadSettings(paths, { override, env: {}, builtins: BUILTIN_PLUGINS });
  return { root, paths, put, path: (rel) => join(root, rel), load, cleanup };
}

async function withRoot(fn: (r: Root) => Promise<void>): Promise<void> {
  const r = makeRoot();
  try {
    await fn(r);
  } finally {
    r.cleanup();
  }
}

const CONF = 'etc/mdevctl.d';

test('no file: the defaults (every built-in on, no external plugin, no policy)', () =>
  withRoot(async (r) => {
    assert.equal(findConfigFile(r.paths, undefined), undefined);
    const s = await r.load();
    assert.equal(s.file, undefined);
    assert.deepEqual([...s.builtins], []);
    assert.deepEqual(s.external, []);
    assert.deepEqual(s.policies, {});
  }));

test('the search places are tried in order; the first that exists is the only one read', () =>
  withRoot(async (r) => {
    assert.deepEqual(SEARCH_PLACES, [
      'mdevctl.config.json', 'mdevctl.config.yaml', 'mdevctl.config.yml', 'mdevctl.config.js', 'mdevctl.config.mjs', 'mdevctl.config.cjs',
    ]);
    const timeouts = [600, 500, 400, 300, 200, 100];
    const bodies = [
      (ms: number) => `{"policies": {"calloutTimeoutMs": ${ms}}}`,
      (ms: number) => `policies:\n  calloutTimeoutMs: ${ms}\n`,
      (ms: number) => `policies: { calloutTimeoutMs: ${ms} }\n`,
      (ms: number) => `module.exports = { policies: { calloutTimeoutMs: ${ms} } };\n`, // .js: CommonJS here (no package.json)
      (ms: number) => `export default { policies: { calloutTimeoutMs: ${ms} } };\n`,
      (ms: number) => `module.exports = { policies: { calloutTimeoutMs: ${ms} } };\n`,
    ];
    // Written last first: each new one must take over from the ones after it.
    for (let i = SEARCH_PLACES.length - 1; i >= 0; i--) {
      const body = bodies[i]!(timeouts[i]!);
      const file = r.put(`${CONF}/${SEARCH_PLACES[i]}`, body);
      const s = await r.load();
      assert.equal(s.file, file);
      assert.equal(s.policies.calloutTimeoutMs, timeouts[i], SEARCH_PLACES[i]);
    }
  }));

test('MDEVCTL_CONFIG wins over the search places; an empty file (or /dev/null) is the defaults', () =>
  withRoot(async (r) => {
    r.put(`${CONF}/mdevctl.config.json`, '{"policies": {"calloutTimeoutMs": 1000}}');
    const other = r.put('elsewhere/mine.yaml', 'policies:\n  calloutTimeoutMs: 2000\n');
    assert.deepEqual(findConfigFile(r.paths, other), { file: other, explicit: true });
    assert.equal((await r.load(other)).policies.calloutTimeoutMs, 2000);
    assert.equal((await r.load('')).policies.calloutTimeoutMs, 1000, 'empty MDEVCTL_CONFIG: as if unset');
    assert.deepEqual((await r.load('/dev/null')).policies, {});
    const empty = r.put('elsewhere/empty.json', '  \n');
    assert.deepEqual((await r.load(empty)).policies, {});
  }));

test('plugins: built-in names turn off or take options; other keys are external plugins, resolved', () =>
  withRoot(async (r) => {
    const plugin = r.put(`${CONF}/local/acme.js`, 'export default () => ({});\n');
    r.put(
      `${CONF}/mdevctl.config.json`,
      JSON.stringify({ plugins: { mtty: false, callouts: { timeoutMs: 5 }, 'vfio-ap': true, './local/acme.js': { level: 3 } } }),
    );
    const s = await r.load();
    assert.deepEqual([...s.builtins], [['mtty', false], ['callouts', { timeoutMs: 5 }], ['vfio-ap', {}]]);
    assert.deepEqual(s.external, [{ specifier: './local/acme.js', file: plugin, options: { level: 3 } }]);
  }));

/** Loading must fail with exactly `Invalid configuration file <file>: <detail>`. */
async function rejects(r: Root, rel: string, text: string, detail: string | RegExp): Promise<void> {
  const file = r.put(rel, text);
  await assert.rejects(r.load(), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    const prefix = `Invalid configuration file ${file}: `;
    assert.ok(err.message.startsWith(prefix), err.message);
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`);
    const rest = err.message.slice(prefix.length);
    if (typeof detail === 'string') assert.equal(rest, detail);
    else assert.match(rest, detail);
    return true;
  });
}

test('malformed files: bad syntax in each format, one line naming the file', () =>
  withRoot(async (r) => {
    const json = `${CONF}/mdevctl.config.json`;
    // node's own wording of a syntax error changes between versions (V8's JSON errors did in 22):
    // the line names the file and is one line; what follows the colon is node's.
    await rejects(r, json, '{"plugins": {"mtty": false,, }}\n', /^\S[^\n]*$/);
    await rejects(r, json, '{"plugins": ', /^\S[^\n]*$/);
    rmSync(r.path(json));
    await rejects(r, `${CONF}/mdevctl.config.yaml`, 'plugins:\n  mtty: [1\n', /^unexpected end of the stream within a flow collection/);
    rmSync(r.path(`${CONF}/mdevctl.config.yaml`));
    await rejects(r, `${CONF}/mdevctl.config.mjs`, 'export default { plugins: \n', /^\S[^\n]*$/);
    // A second .mjs under the same name would come from node's module cache: use .cjs.
    rmSync(r.path(`${CONF}/mdevctl.config.mjs`));
    await rejects(r, `${CONF}/mdevctl.config.cjs`, 'throw new Error("no config for you\\nsecond line");\n', 'no config for you');
  }));

test('malformed files: wrong shapes, unknown keys, unknown built-ins, bad policies', () =>
  withRoot(async (r) => {
    const json = `${CONF}/mdevctl.config.json`;
    const cases: Array<[unknown, string]> = [
      [[1, 2], 'expected an object with "plugins" and/or "policies"'],
      ['plugins', 'expected an object with "plugins" and/or "policies"'],
      [{ plugin: {} }, 'unknown setting "plugin" (known: plugins, policies)'],
      [{ plugins: ['mtty'] }, '"plugins" must be an object of plugin names (or paths) to true, false or options'],
      [{ plugins: { mtty: 1 } }, 'plugins["mtty"] must be true, false or an object of options'],
      [{ plugins: { mttyy: false } }, 'plugins["mttyy"]: there is no built-in plugin of this name to turn off (built-in: mtty, i915-gvtg, vfio-ccw, vfio-ap, nvidia-vgpu, callouts)'],
      [{ plugins: { mtty: { verbose: true } } }, 'plugins["mtty"]: the built-in plugin mtty takes no options'],
      [{ plugins: { callouts: { timeout: 5 } } }, 'plugins["callouts"]: unknown option "timeout" (known: timeoutMs)'],
      // checked against the plugin's own declarations (type and range), before any plugin is made
      [{ plugins: { callouts: { timeoutMs: 0 } } }, 'plugins["callouts"]: option "timeoutMs" must be a whole number from 1 to 2147483647, not 0'],
      [{ plugins: { 'vfio-ap': { lockWaitMs: 'soon' } } }, 'plugins["vfio-ap"]: option "lockWaitMs" must be a whole number from 0, not "soon"'],
      [{ plugins: { 'not a name!': true } }, 'plugins["not a name!"]: not a package name (name or @scope/name) nor a path (/…, ./… or ../…)'],
      [{ policies: [] }, '"policies" must be an object'],
      [{ policies: { timeout: 1 } }, 'unknown policy "timeout" (known: calloutTimeoutMs)'],
      [{ policies: { calloutTimeoutMs: 0 } }, '"policies.calloutTimeoutMs" must be a whole number of milliseconds from 1 to 2147483647, not 0'],
      [{ policies: { calloutTimeoutMs: 1.5 } }, '"policies.calloutTimeoutMs" must be a whole number of milliseconds from 1 to 2147483647, not 1.5'],
      [{ policies: { calloutTimeoutMs: '100' } }, '"policies.calloutTimeoutMs" must be a whole number of milliseconds from 1 to 2147483647, not "100"'],
    ];
    for (const [value, detail] of cases) await rejects(r, json, JSON.stringify(value), detail);
  }));

test('an external plugin that cannot be found is a configuration error naming where it looked', () =>
  withRoot(async (r) => {
    const json = `${CONF}/mdevctl.config.json`;
    await rejects(r, json, '{"plugins": {"./missing.js": true}}', `plugins["./missing.js"]: no plugin at ${join(r.root, CONF, 'missing.js')}`);
    const usrLocal = join(r.root, 'usr/local/lib/node_modules');
    const usr = join(r.root, 'usr/lib/node_modules');
    await rejects(r, json, '{"plugins": {"@acme/nowhere-to-be-found": true}}', new RegExp(
      `^plugins\\["@acme/nowhere-to-be-found"\\]: package not found in ${usrLocal}, ${usr}(, .*)?$`,
    ));
  }));

test('MDEVCTL_CONFIG naming a missing file, or a file of an unknown type, is an error', () =>
  withRoot(async (r) => {
    const missing = join(r.root, 'nope.json');
    await assert.rejects(r.load(missing), { message: `Unable to read configuration file ${missing}: No such file or directory (os error 2)` });
    const conf = r.put('my.conf', 'plugins: {}\n');
    await assert.rejects(r.load(conf), { message: `Invalid configuration file ${conf}: unsupported file type .conf (use .json, .yaml, .yml, .js, .mjs or .cjs)` });
    const noExt = r.put('mdevctl-config', 'policies:\n  calloutTimeoutMs: 42\n');
    assert.equal((await r.load(noExt)).policies.calloutTimeoutMs, 42, 'no extension: YAML (which includes JSON)');
  }));

