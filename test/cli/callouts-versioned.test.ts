// Black-box: versioned call-outs (`get capabilities`, stdin {"provides":…}, answer
// {"supports":…}) — the answering script alone handles its parent/type, any non-zero exit of it
// (2 included) is a failure, an event or action it does not list is a failure (upstream) — and
// `modify --live [--defined]`, which only a versioned script listing `live` can apply.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configOf, shQuote, supportsJson, withScripts, type ScriptHost } from '../helpers/callout-scripts.js';
import type { RunResult } from '../helpers/cli.js';
import { WARN } from '../helpers/expect.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const ALL_EVENTS = ['pre', 'post', 'notify', 'get', 'live'];

function ok(r: RunResult, stdout = ''): void {
  assert.deepEqual(r, { status: 0, stdout, stderr: '' });
}

/**
 * A script that answers capabilities for mtty-1 with `answer` (printf format) and `capsStatus`,
 * says 2 for other types, then runs `rest` for the other events.
 */
function versioned(s: ScriptHost, name: string, answer: string, rest = 'exit 0', capsStatus = 0): string {
  return s.callout(
    name,
    `if [ "$event" = get ] && [ "$action" = capabilities ]; then\n` +
      `  [ "$type" = mtty-1 ] || exit 2\n  printf ${shQuote(answer)}; exit ${capsStatus}\nfi\n${rest}`,
  );
}

const liveJson = (s: ScriptHost, attrs: Array<[string, string]>) => {
  const path = join(s.root, 'live.json');
  writeFileSync(path, configOf('mtty-1', 'manual', attrs));
  return path;
};

test('the versioned script handles every event of its parent/type; no other script is searched', () => {
  withScripts((s) => {
    s.callout('10-legacy', 'exit 1'); // would veto every event it is asked about
    const ver = versioned(s, '20-ver', supportsJson());
    s.callout('30-legacy', 'exit 0');
    ok(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('stop', '-u', U));
    assert.deepEqual(s.trace(), [
      '10-legacy get capabilities none',
      '20-ver get capabilities none',
      '20-ver pre start none',
      '20-ver post start success',
      '10-legacy get capabilities none',
      '20-ver get capabilities none',
      '20-ver pre stop none',
      '20-ver post stop success',
    ]);
    // mtty-2 has no versioned script: the ordinary search finds 10-legacy, which vetoes.
    s.clearLog();
    const r = s.run('start', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /10-legacy' failed with status '1'\n$/);
    assert.deepEqual(s.trace(), [
      '10-legacy get capabilities none',
      '20-ver get capabilities none',
      '30-legacy get capabilities none',
      '10-legacy pre start none',
    ]);
    assert.match(ver, /20-ver$/);
  });
});

test('a versioned script exiting 2 is a failure, not "next script"; --force goes on', () => {
  withScripts((s) => {
    const ver = versioned(s, '10-ver', supportsJson(), '[ "$event" = pre ] && exit 2; exit 0');
    s.callout('20-legacy', 'exit 0');
    const r = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${ver}' failed with status '2'\n` });
    assert.deepEqual(s.trace(), ['10-ver get capabilities none', '10-ver pre define none']);
    s.clearLog();
    const f = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1', '-f');
    assert.equal(f.status, 0);
    assert.match(f.stderr, /Forcing operation 'define' despite callout failure\. Error was: Script '.*10-ver' failed with status '2'\n$/);
    assert.deepEqual(s.trace(), ['10-ver get capabilities none', '10-ver pre define none', '10-ver post define success']);
  });
});

for (const [what, answer, capsStatus, isVersioned] of [
  ['exit 0', supportsJson(), 0, true],
  ['exit 1 (a valid answer counts whatever the status but 2)', supportsJson(), 1, true],
  ['exit 2', supportsJson(), 2, false],
  ['trailing NULs', `${supportsJson()}\\000`, 0, true],
  ['provides and supports', JSON.stringify({ provides: { version: 2, actions: [], events: [] }, supports: JSON.parse(supportsJson()).supports }), 0, true],
  ['unknown actions and events (ignored)', supportsJson([...ALL_EVENTS, 'dummy'], ['start', 'stop', 'define', 'undefine', 'modify', 'attributes', 'dummy']), 0, true],
  ['text, not JSON', 'This output is bad\\n', 0, false],
  ['broken JSON', '{"supports":{{{', 0, false],
  ['supports: null', '{"supports":null}', 0, false],
  ['only provides', '{"provides":{"version":2,"actions":[],"events":[]}}', 0, false],
  ['no version', '{"supports":{"actions":["start"],"events":["pre"]}}', 0, false],
  ['a negative version', '{"supports":{"version":-1,"actions":["start"],"events":["pre"]}}', 0, false],
  ['no events', '{"supports":{"version":2,"actions":["start"]}}', 0, false],
  ['non-string actions', '{"supports":{"version":2,"actions":[1],"events":["pre"]}}', 0, false],
] as const) {
  test(`capabilities answer with ${what}: ${isVersioned ? 'versioned' : 'not versioned'}`, () => {
    withScripts((s) => {
      versioned(s, '10-ver', answer, 'exit 0', capsStatus);
      s.callout('20-legacy', 'exit 0');
      ok(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
      assert.deepEqual(
        s.trace(),
        isVersioned
          ? ['10-ver get capabilities none', '10-ver pre start none', '10-ver post start success']
          : ['10-ver get capabilities none', '20-legacy get capabilities none', '10-ver pre start none', '10-ver post start success'],
      );
    });
  });
}

test('the capabilities probe gets {"provides":…} on stdin', () => {
  withScripts((s) => {
    versioned(s, '10-ver', supportsJson());
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    assert.deepEqual(JSON.parse(s.calls()[0]?.stdin ?? ''), {
      provides: {
        version: 2,
        actions: ['start', 'stop', 'define', 'undefine', 'modify', 'attributes', 'capabilities'],
        events: ['pre', 'post', 'notify', 'get', 'live'],
      },
    });
  });
});

test('an action the versioned script does not list fails the command before it is run (upstream); --force goes on', () => {
  withScripts((s) => {
    const ver = versioned(s, '10-ver', supportsJson(undefined, ['start', 'stop', 'define', 'undefine', 'attributes', 'capabilities']));
    s.notifier('n1', 'exit 0');
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    s.clearLog();
    const r = s.run('modify', '-u', U, '--auto');
    assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${ver}' does not support action 'modify'\n` });
    assert.deepEqual(s.trace(), ['10-ver get capabilities none', 'n1 notify modify none']);
    assert.ok(s.host.read(`etc/mdevctl.d/mtty/${U}`).includes('"manual"'));
    s.clearLog();
    const f = s.run('modify', '-u', U, '--auto', '--force');
    assert.equal(f.status, 0);
    const lines = f.stderr.split('\n');
    assert.equal(lines.length, 2, f.stderr); // post's "does not support" is not a warning
    assert.match(lines[0] ?? '', WARN);
    assert.ok((lines[0] ?? '').endsWith(`Error was: Script '${ver}' does not support action 'modify'`));
    assert.deepEqual(s.trace(), ['10-ver get capabilities none', 'n1 notify modify success']);
    assert.ok(s.host.read(`etc/mdevctl.d/mtty/${U}`).includes('"auto"'));
  });
});

test('an event the versioned script does not list: pre fails, a missing post is silently skipped', () => {
  withScripts((s) => {
    versioned(s, '10-nopost', supportsJson(['pre', 'get']));
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    assert.deepEqual(s.trace(), ['10-nopost get capabilities none', '10-nopost pre define none']);
  });
  withScripts((s) => {
    const ver = versioned(s, '10-nopre', supportsJson(['post', 'get']));
    const r = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${ver}' does not support event 'pre'\n` });
  });
});

test('get attributes through the versioned script; one that does not list get: list shows none quietly, define -u fails', () => {
  withScripts((s) => {
    ok(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    versioned(s, '10-ver', supportsJson(), `[ "$event" = get ] && printf '[{"x":"%s"}]' "$action"; exit 0`);
    ok(s.run('list', '-v'), `${U} mtty mtty-1 manual\n  Attrs:\n    @{0}: {"x":"attributes"}\n`);
    // a versioned script's exit 2 is a failure: for list only a warning
    const failing = versioned(s, '10-ver', supportsJson(), '[ "$event" = get ] && exit 2; exit 0');
    const r = s.run('list');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${U} mtty mtty-1 manual\n`);
    assert.match(r.stderr, WARN);
    assert.ok(r.stderr.endsWith(`Listing device ${U} without attributes: Script '${failing}' failed with status '2'\n`), r.stderr);
    // without `get` in its events
    const noGet = versioned(s, '10-ver', supportsJson(['pre', 'post']), 'exit 0');
    s.clearLog();
    ok(s.run('list', '-v'), `${U} mtty mtty-1 manual\n`);
    assert.deepEqual(s.trace(), ['10-ver get capabilities none']);
    const d = s.run('define', '-u', U);
    assert.deepEqual(d, { status: 1, stdout: '', stderr: `Error: Script '${noGet}' does not support event 'get'\n` });
    assert.deepEqual(s.host.definitions('mtty'), []);
  });
});

test('modify --live: the live call-out (state none, the new config on stdin) through the versioned script; no pre/post; notify follows', () => {
  withScripts((s) => {
    ok(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    versioned(s, '10-ver', supportsJson(ALL_EVENTS));
    s.notifier('n1', 'exit 0');
    const json = liveJson(s, [['x', '1']]);
    ok(s.run('modify', '-u', U, '--live', '--jsonfile', json));
    const config = configOf('mtty-1', 'manual', [['x', '1']]);
    assert.deepEqual(
      s.calls().map((c) => [c.script, c.argv, c.stdin]).slice(1),
      [
        ['10-ver', `-t mtty-1 -e live -a modify -s none -u ${U} -p mtty`, config],
        ['n1', `-t mtty-1 -e notify -a modify -s success -u ${U} -p mtty`, config],
      ],
    );
    assert.deepEqual(s.host.definitions('mtty'), []);
  });
});

test('modify --live --defined: live, its notification, then pre, the stored change (start policy too, SPEC §8), post and notify (upstream order)', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1', '--auto'));
    ok(s.run('start', '-u', U));
    versioned(s, '10-ver', supportsJson(ALL_EVENTS));
    s.notifier('n1', 'exit 0');
    const json = liveJson(s, [['x', '1']]);
    ok(s.run('modify', '-u', U, '--live', '--defined', '--jsonfile', json));
    assert.deepEqual(s.trace(), [
      '10-ver get capabilities none',
      '10-ver live modify none',
      'n1 notify modify none',
      '10-ver pre modify none',
      '10-ver post modify success',
      'n1 notify modify success',
    ]);
    // defined auto, the file says manual: the file's policy is stored (1.4 does; it was kept before)
    const stored = configOf('mtty-1', 'manual', [['x', '1']]);
    assert.ok(s.calls().slice(1).every((c) => c.stdin === stored));
    assert.deepEqual(JSON.parse(s.host.read(`etc/mdevctl.d/mtty/${U}`)), JSON.parse(stored));
  });
});

test('modify --live: a live call-out exiting non-zero fails the modify (even with --force) and nothing is stored', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('start', '-u', U));
    const before = s.host.read(`etc/mdevctl.d/mtty/${U}`);
    const ver = versioned(s, '10-ver', supportsJson(ALL_EVENTS), '[ "$event" = live ] && exit 1; exit 0');
    s.notifier('n1', 'exit 0');
    const json = liveJson(s, [['x', '1']]);
    for (const force of [[], ['--force']]) {
      s.clearLog();
      const r = s.run('modify', '-u', U, '--live', '--defined', '--jsonfile', json, ...force);
      assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${ver}' failed with status '1'\n` });
      assert.deepEqual(s.trace(), ['10-ver get capabilities none', '10-ver live modify none', 'n1 notify modify none']);
      assert.equal(s.host.read(`etc/mdevctl.d/mtty/${U}`), before);
    }
  });
});

test('modify --live with no call-out script at all: Debian 1.4.0\'s line, which libvirt shows virsh users', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('start', '-u', U));
    const before = s.host.read(`etc/mdevctl.d/mtty/${U}`);
    const json = liveJson(s, [['x', '1']]);
    for (const defined of [[], ['--defined']]) {
      const r = s.run('modify', '-u', U, '--live', '--jsonfile', json, ...defined);
      assert.deepEqual(r, { status: 1, stdout: '', stderr: 'Error: Live modification is not supported for this device type. Changing the device configuration requires stopping and restarting the device.\n' });
      assert.equal(s.host.read(`etc/mdevctl.d/mtty/${U}`), before);
    }
  });
});

test('modify --live without a versioned script that lists live: a clear error, and no script but the probes runs', () => {
  for (const setup of [
    (s: ScriptHost) => versioned(s, '10-ver', supportsJson()), // versioned, no live event
    (s: ScriptHost) => versioned(s, '10-ver', supportsJson(ALL_EVENTS, ['start', 'stop', 'define', 'undefine', 'attributes'])), // no modify action
    (s: ScriptHost) => s.callout('10-legacy', 'exit 0'), // not versioned
  ]) {
    withScripts((s) => {
      ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
      ok(s.run('start', '-u', U));
      const before = s.host.read(`etc/mdevctl.d/mtty/${U}`);
      setup(s);
      s.notifier('n1', 'exit 0');
      const json = liveJson(s, [['x', '1']]);
      for (const defined of [[], ['--defined']]) {
        s.clearLog();
        const r = s.run('modify', '-u', U, '--live', '--jsonfile', json, ...defined);
        assert.deepEqual(r, {
          status: 1,
          stdout: '',
          stderr: 'Error: Live modification is not supported for this device type. Changing the device configuration requires stopping and restarting the device.\n',
        });
        assert.deepEqual(s.trace().map((t) => t.replace(/^\S+ /, '')), ['get capabilities none']);
        assert.equal(s.host.read(`etc/mdevctl.d/mtty/${U}`), before);
      }
    });
  }
});
