// What mdevctl(8) tells an admin beyond the commands: the configuration file and where it is
// looked for, plugins, the environment (MDEVCTL_CONFIG, MDEVCTL_LOCK_WAIT, MDEVCTL_LOG, …) and
// the lock file; and that the OPTIONS list reads as sentences, rendered (groff) as well as in roff.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_ENV, SEARCH_PLACES } from 'mdevctl';
import { REPO } from '../helpers/cli.js';
import { docs } from '../helpers/packaging.js';

async function page(): Promise<string> {
  const gen = await docs();
  return (await gen.generatedFiles()).find((f) => f.path === 'man/mdevctl.8')?.content ?? '';
}

/** The roff between `.SH name` and the next `.SH`. */
function section(roff: string, name: string): string {
  const start = roff.indexOf(`\n.SH ${name}\n`);
  assert.ok(start >= 0, `section ${name}`);
  const end = roff.indexOf('\n.SH ', start + 1);
  return roff.slice(start, end < 0 ? undefined : end);
}

/** roff text as read: font escapes and \% gone, \- a dash. */
const plain = (roff: string) => roff.replace(/\\f[BIR]/g, '').replaceAll('\\&', '').replaceAll('\\%', '').replaceAll('\\-', '-').replaceAll('\\(aq', "'");

test('mdevctl(8): the configuration file, its places and MDEVCTL_CONFIG; plugins', async () => {
  const roff = await page();
  const config = plain(section(roff, 'CONFIGURATION'));
  assert.match(config, new RegExp(`${CONFIG_ENV} names`));
  assert.match(config, /\/etc\/mdevctl\.d\/mdevctl\.config\.json, \.yaml, \.yml, \.js, \.mjs and \.cjs \(in this order\)/);
  for (const place of SEARCH_PLACES) assert.ok(config.includes(place.slice(place.lastIndexOf('.'))), place);
  for (const key of ['plugins', 'policies', 'calloutTimeoutMs', '/dev/null']) assert.ok(config.includes(key), key);
  const plugins = plain(section(roff, 'PLUGINS'));
  for (const p of ['mtty', 'i915-gvtg', 'vfio-ccw', 'vfio-ap', 'nvidia-vgpu', 'callouts', '/usr/local/lib/node_modules', '/usr/lib/node_modules', 'list -x', 'mdevctl plugin-init DIR']) {
    assert.ok(plugins.includes(p), `PLUGINS names ${p}`);
  }
  const files = plain(section(roff, 'FILES'));
  assert.ok(files.includes('/etc/mdevctl.d/mdevctl.config.*'), 'FILES: the configuration file');
});

test('mdevctl(8): the environment and the lock file', async () => {
  const roff = await page();
  const { LOCK_DIR, LOCK_FILE } = (await import(pathToFileURL(join(REPO, 'core/dist/store/definitions-lock.js')).href)) as {
    LOCK_DIR: string;
    LOCK_FILE: string;
  };
  const lock = `/${LOCK_DIR}/${LOCK_FILE}`;
  const env = plain(section(roff, 'ENVIRONMENT'));
  for (const v of ['MDEVCTL_ENV_ROOT', 'MDEVCTL_CONFIG', 'MDEVCTL_LOCK_WAIT', 'MDEVCTL_LOG', 'MDEVCTL_CALLOUT_TIMEOUT_MS']) {
    assert.match(env, new RegExp(`^${v}$`, 'm'), `ENVIRONMENT has ${v}`);
  }
  assert.ok(env.includes(`(${lock})`), 'MDEVCTL_LOCK_WAIT names the lock');
  assert.match(env, /default 120; 0 fails at once/);
  const files = plain(section(roff, 'FILES'));
  assert.match(files, new RegExp(`^${lock.replaceAll('.', '\\.')}$`, 'm'), 'FILES has the lock file');
  const lsmdev = (await (await docs()).generatedFiles()).find((f) => f.path === 'man/lsmdev.8')?.content ?? '';
  assert.ok(plain(lsmdev).includes('MDEVCTL_ENV_ROOT, MDEVCTL_CONFIG and MDEVCTL_LOG, as for mdevctl(8)'));
});

test('mdevctl(8) OPTIONS: each description is a sentence, then "Valid for: <commands>."', async (t) => {
  const roff = await page();
  const options = section(roff, 'OPTIONS').split('\n');
  let checked = 0;
  for (let i = 0; i < options.length; i++) {
    if (options[i] !== '.TP') continue;
    const description = plain(options[i + 2] ?? '');
    checked++;
    if (/^Print the (help|version)/.test(description)) {
      assert.match(description, /\.$/);
      continue;
    }
    assert.match(description, /[.!?] Valid for: [a-z-]+(, [a-z-]+)*\.$/, description);
  }
  assert.ok(checked > 15, `${checked} options`);

  const rendered = spawnSync('groff', ['-man', '-Tascii', '-rLL=78n', '-P-cbou'], { input: roff, encoding: 'utf8' });
  if (rendered.error) {
    t.skip('groff is not installed');
    return;
  }
  const text = section(`\n${rendered.stdout.replace(/^([A-Z][A-Z0-9 .-]+)$/gm, '.SH $1')}`, 'OPTIONS');
  // Each "Valid for:" list, as rendered, names whole commands (none split as "un-" / "define").
  const commands = new Set((await (await docs()).documentedCommands()).map((c) => c.name));
  const lists = [...text.matchAll(/Valid\s+for:\s+([^.]*)\./g)].map((m) => (m[1] ?? '').replace(/\s+/g, ' ').split(', '));
  assert.equal(lists.length, checked - 2);
  for (const list of lists) for (const name of list) assert.ok(commands.has(name), `rendered "Valid for:" names ${JSON.stringify(name)}`);
});
