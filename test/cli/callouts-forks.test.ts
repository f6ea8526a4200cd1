// Black-box: how often call-out and notifier scripts are forked (issue 7). Within one command,
// the capabilities probe runs once per script and parent/type, the search for the script that
// answers an event once per parent/type/event/action (a script that said "not my type" is not
// asked again for the next device), and no script runs twice for the same event of a device —
// however many devices the command handles.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withScripts, type Call, type ScriptHost } from '../helpers/callout-scripts.js';

const UUIDS = [1, 2, 3].map((i) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0${i}`);

function scripts(s: ScriptHost): void {
  s.callout('10-other', 'exit 2'); // not my type: the search goes on
  s.callout('20-mine', '[ "$event" = get ] && [ "$action" = attributes ] && printf "[]"; exit 0');
  s.notifier('50-notify', 'exit 0');
}

/** How many times each script ran for the same event, action and device (want: 1 each). */
function repeats(calls: Call[]): string[] {
  const seen = new Map<string, number>();
  for (const c of calls) {
    const key = `${c.script} ${c.event} ${c.action} ${c.uuid}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

const count = (calls: Call[], script: string, event: string, action: string) =>
  calls.filter((c) => c.script === script && c.event === event && c.action === action).length;

test('start-parent-mdevs of 3 devices: one capabilities probe and one search per script; no script twice per event', () => {
  withScripts((s) => {
    for (const u of UUIDS) assert.equal(s.run('define', '-u', u, '-p', 'mtty', '-t', 'mtty-1', '--auto').status, 0);
    scripts(s);
    s.clearLog();
    const r = s.run('start-parent-mdevs', 'mtty');
    assert.equal(r.status, 0, r.stderr);
    const calls = s.calls();
    assert.deepEqual(repeats(calls), []);
    for (const script of ['10-other', '20-mine']) assert.equal(count(calls, script, 'get', 'capabilities'), 1, script);
    assert.equal(count(calls, '10-other', 'pre', 'start'), 1, 'the search is remembered for the next devices');
    assert.equal(count(calls, '20-mine', 'pre', 'start'), 3);
    assert.equal(count(calls, '20-mine', 'post', 'start'), 3);
    assert.equal(count(calls, '50-notify', 'notify', 'start'), 3);
    assert.equal(calls.length, 2 + 1 + 3 + 3 + 3, s.trace().join('\n'));
  });
});

test('list of 3 running devices: one capabilities probe per script, one get attributes per device', () => {
  withScripts((s) => {
    for (const u of UUIDS) assert.equal(s.run('start', '-u', u, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    scripts(s);
    s.clearLog();
    for (const args of [['list'], ['list', '-v', '--dumpjson']]) {
      s.clearLog();
      const r = s.run(...args);
      assert.equal(r.status, 0, r.stderr);
      const calls = s.calls();
      assert.deepEqual(repeats(calls), [], args.join(' '));
      for (const script of ['10-other', '20-mine']) assert.equal(count(calls, script, 'get', 'capabilities'), 1, script);
      assert.equal(count(calls, '10-other', 'get', 'attributes'), 1);
      assert.equal(count(calls, '20-mine', 'get', 'attributes'), 3);
      assert.equal(calls.length, 2 + 1 + 3, s.trace().join('\n'));
    }
  });
});

test('a single start, stop, define, modify, undefine: each script at most once per event', () => {
  withScripts((s) => {
    scripts(s);
    const u = UUIDS[0] ?? '';
    for (const args of [
      ['define', '-u', u, '-p', 'mtty', '-t', 'mtty-1'], ['modify', '-u', u, '--auto'], ['start', '-u', u],
      ['stop', '-u', u], ['undefine', '-u', u],
    ]) {
      s.clearLog();
      const r = s.run(...args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      const calls = s.calls();
      assert.deepEqual(repeats(calls), [], args.join(' '));
      // the probe (2 scripts), the search for pre (2), post (the script that answered pre), notify
      assert.ok(calls.length <= 6, `${args.join(' ')}:\n${s.trace().join('\n')}`);
    }
  });
});
