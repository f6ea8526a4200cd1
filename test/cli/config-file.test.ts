// Black-box: the configuration file as users meet it. A malformed one is one `Error:` line naming
// it, exit 1, nothing written — for every command that needs devices, but not for --help. The
// file sits at the top of etc/mdevctl.d without ever being taken for a definition, and
// MDEVCTL_CONFIG points elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mdevctl, runBin } from '../helpers/cli.js';
import { fails, ok, run, unchanged, withHost } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';

test('a malformed configuration file: one line naming it, exit 1, nothing written; --help still works', () =>
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    writeFileSync(h.path(CONFIG), '{"plugins": {"mtty": false,, }}');
    // after the colon: node's own words for the syntax error (they differ between node versions)
    const error = new RegExp(`^Error: Invalid configuration file ${h.path(CONFIG)}: \\S[^\\n]*\\n$`);
    unchanged(h, () => {
      for (const args of [
        ['define', '-p', 'mtty', '-t', 'mtty-2'],
        ['start', '-u', U1],
        ['modify', '-u', U1, '--auto'],
        ['undefine', '-u', U1],
        ['list'],
        ['types'],
        ['start-parent-mdevs', 'mtty'],
      ]) {
        fails(mdevctl(h.root, ...args), 1, error);
      }
    });
    assert.equal(mdevctl(h.root, 'list', '--help').status, 0);
    assert.equal(mdevctl(h.root, '--version').status, 0);
    writeFileSync(h.path(CONFIG), '{"plugins": {"mtty": true}, "policy": {}}');
    fails(mdevctl(h.root, 'list'), 1, `Error: Invalid configuration file ${h.path(CONFIG)}: unknown setting "policy" (known: plugins, policies)\n`);
  }));

test('the configuration file at the top of etc/mdevctl.d is never taken for a definition', () =>
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    writeFileSync(h.path(CONFIG), '{}');
    writeFileSync(h.path('etc/mdevctl.d/mdevctl.config.yaml'), 'not: read\n');
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-1 manual\n`);
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), `[\n  {\n    "mtty": [\n      {\n        "${U1}": {\n          "mdev_type": "mtty-1",\n          "start": "manual",\n          "attrs": []\n        }\n      }\n    ]\n  }\n]\n`);
    run(h, 'undefine', '-u', U1);
    ok(mdevctl(h.root, 'list', '-d'));
  }));

test('MDEVCTL_CONFIG names the file instead of the search; a missing one is an error', () =>
  withHost((h) => {
    writeFileSync(h.path(CONFIG), '{"plugins": {"mtty": false}}');
    writeFileSync(h.path('mine.yaml'), 'plugins:\n  vfio-ap: false\n');
    const claimed = (env: Record<string, string>) => runBin(h.root, ['types', '-x', '-p', 'mtty'], { env }).stdout.includes('Claimed by: mtty');
    assert.equal(claimed({}), false, 'the searched file turns mtty off');
    assert.equal(claimed({ MDEVCTL_CONFIG: h.path('mine.yaml') }), true, 'MDEVCTL_CONFIG replaces it');
    assert.equal(claimed({ MDEVCTL_CONFIG: '/dev/null' }), true, '/dev/null: the defaults');
    const missing = runBin(h.root, ['list'], { env: { MDEVCTL_CONFIG: h.path('nope.json') } });
    fails(missing, 1, `Error: Unable to read configuration file ${h.path('nope.json')}: No such file or directory (os error 2)\n`);
  }));
