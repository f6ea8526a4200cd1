// Differential: call-out and notifier scripts in etc/mdevctl.d/scripts.d (the only place 1.2.0
// reads), run by ours and by Debian's mdevctl 1.2.0. Each step must agree as usual, and the logs
// the scripts write (argv, stdin, order) must be the same — ours without its `get` probes, which
// 1.2.0 predates (docs/COMPATIBILITY.md). One script per dir: 1.2.0 runs them in directory-read order.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { ETC_CALLOUTS, ETC_NOTIFIERS, scriptText } from '../helpers/callout-scripts.js';
import { CONCURRENCY, referenceOnly, scenario, U1, U2, type Pair } from './pair.js';

function install(p: Pair, dir: string, name: string, body: string): void {
  const rel = `${dir}/${name}`;
  p.write(rel, scriptText(body));
  for (const root of [p.ours, p.theirs]) chmodSync(join(root, rel), 0o755);
}

function log(root: string): string[] {
  const file = join(root, 'calls.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** The scripts' logs agree, ours without `-e get` lines. */
function sameLogs(p: Pair): void {
  const theirs = log(p.theirs);
  assert.ok(theirs.length > 0, 'scenario check: 1.2.0 ran the scripts');
  if (referenceOnly) return;
  const ours = log(p.ours).filter((l) => !/\t-t \S+ -e get /.test(l));
  assert.deepEqual(ours, theirs);
}

describe('differential: call-out and notifier scripts', { concurrency: CONCURRENCY }, () => {
  scenario('pre, post and notify around define, start, modify, stop, undefine', async (p) => {
    install(p, ETC_CALLOUTS, 'log', 'exit 0');
    install(p, ETC_NOTIFIERS, 'note', 'exit 0');
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    await p.step(['start', '-u', U1]);
    await p.step(['modify', '-u', U1, '--auto']);
    await p.step(['modify', '-u', U1, '--addattr', 'foo', '--value', 'bar']);
    await p.step(['stop', '-u', U1]);
    await p.step(['start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2]);
    await p.step(['stop', '-u', U2]);
    await p.step(['undefine', '-u', U1]);
    sameLogs(p);
  });

  scenario('a failing pre aborts, followed by notify with state none', async (p) => {
    install(p, ETC_CALLOUTS, 'veto', '[ "$event" = pre ] && [ "$action" = start ] && exit 1; exit 0');
    install(p, ETC_NOTIFIERS, 'note', 'exit 0');
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]);
    await p.step(['start', '-u', U1], { expect: 1 });
    await p.step(['list']);
    await p.step(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U2], { expect: 1 });
    sameLogs(p);
  });

  scenario('exit 2 (not my type) lets the command go on; notifier exit statuses are ignored', async (p) => {
    install(p, ETC_CALLOUTS, 'only-mtty-1', '[ "$type" = mtty-1 ] || exit 2; exit 0');
    install(p, ETC_NOTIFIERS, 'note', 'exit 1');
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2, '--auto']);
    await p.step(['start', '-u', U1]);
    await p.step(['start-parent-mdevs', 'mtty']);
    await p.step(['list']);
    sameLogs(p);
  });
});
