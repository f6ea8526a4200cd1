// Load (issue 6): 100 mutating commands (define, modify, start, stop, undefine) on a few
// overlapping devices, all started at once as real processes against one simulated root. A
// notifier logs, under the lock, the pid of each command that reached notify, in the order the
// lock serialised them; replaying the commands in that order on a model must give the same
// outcomes and the same final host: definitions, running devices, and the simulated kernel's
// pools (compared with a fresh host where the model's devices were started one by one). No temp,
// lock or intent file may be left.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ScriptHost } from '../helpers/callout-scripts.js';
import { simHost } from '../helpers/sim-host.js';
import { assertDefinitionsParse, leftovers, okInProcess } from '../helpers/reliability.js';
import { inProcess } from '../helpers/packaging.js';
import { launchBin, type RunResult } from '../helpers/cli.js';
import { withoutWaitNotice } from '../helpers/expect.js';

const DEVICES = Array.from({ length: 6 }, (_, i) => `9a8b7c6d-0000-4000-8000-00000000000${i}`);

interface Def {
  type: string;
  start: 'auto' | 'manual';
  attrs: Array<[string, string]>;
}

/** A deterministic mix of the five commands over the devices (a small LCG, fixed seed). */
function workload(n: number): string[][] {
  let x = 0x5eed;
  const next = (m: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % m;
  };
  return Array.from({ length: n }, (_, i) => {
    const u = DEVICES[next(DEVICES.length)] as string;
    switch (next(7)) {
      case 0:
      case 1:
        return ['define', '-u', u, '-p', 'mtty', '-t', next(2) === 0 ? 'mtty-1' : 'mtty-2', ...(next(2) === 0 ? ['--auto'] : [])];
      case 2:
        return next(3) === 0 ? ['modify', '-u', u, '--addattr', `a${i}`, '--value', String(i)] : ['modify', '-u', u, next(2) === 0 ? '--auto' : '--manual'];
      case 3:
        return next(4) === 0 ? ['modify', '-u', u, '--delattr'] : ['start', '-u', u];
      case 4:
      case 5:
        return next(2) === 0 ? ['start', '-u', u] : ['stop', '-u', u];
      default:
        return ['undefine', '-u', u];
    }
  });
}

/** What the model says the command does; undefined when it must fail. */
function apply(args: string[], defs: Map<string, Def>, active: Map<string, string>): 'ok' | 'fail' {
  const [cmd, , u = ''] = args;
  const def = defs.get(u);
  switch (cmd) {
    case 'define':
      if (def) return 'fail';
      defs.set(u, { type: args[6] ?? '', start: args.includes('--auto') ? 'auto' : 'manual', attrs: [] });
      return 'ok';
    case 'modify': {
      if (!def) return 'fail';
      if (args[3] === '--addattr') def.attrs.push([args[4] ?? '', args[6] ?? '']);
      else if (args[3] === '--delattr') {
        def.attrs.pop(); // nothing to delete is no change, and no error (SPEC §8)
      } else def.start = args[3] === '--auto' ? 'auto' : 'manual';
      return 'ok';
    }
    case 'undefine':
      if (!def) return 'fail';
      defs.delete(u);
      return 'ok';
    case 'start':
      // mtty devices have no attribute files: a definition with attributes fails at attrs (and is stopped again).
      if (!def || active.has(u) || def.attrs.length > 0) return 'fail';
      active.set(u, def.type);
      return 'ok';
    default:
      if (!active.has(u)) return 'fail';
      active.delete(u);
      return 'ok';
  }
}

test('100 concurrent mutating commands on overlapping devices: the result is their serial composition', async () => {
  const s = new ScriptHost();
  try {
    const root = s.root;
    const log = join(root, 'notified.log');
    // $PPID is the mdevctl process that runs the notifier; it holds the lock meanwhile.
    s.notifier('10-order', `echo "$PPID $action $state $uuid" >> '${log}'`);
    const commands = workload(100);
    const runs = commands.map((args) => {
      const child = launchBin(root, args);
      return { args, pid: child.pid ?? -1, result: child.result.then(withoutWaitNotice) };
    });
    const results = await Promise.all(runs.map((r) => r.result));

    const byPid = new Map(runs.map((r, i) => [r.pid, { args: r.args, result: results[i] as RunResult }]));
    const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const defs = new Map<string, Def>();
    const active = new Map<string, string>();
    const notified = new Set<number>();
    for (const [pid = '', action, state, uuid] of entries) {
      const run = byPid.get(Number(pid));
      assert.ok(run, `a notifier line from an unknown pid ${pid}`);
      assert.ok(!notified.has(Number(pid)), `pid ${pid} notified twice`);
      notified.add(Number(pid));
      assert.equal(action, run.args[0]);
      assert.equal(uuid, run.args[2]);
      const expected = apply(run.args, defs, active);
      assert.equal(state, expected === 'ok' ? 'success' : 'failure', `${run.args.join(' ')} in the lock's order`);
      assert.equal(run.result.status, expected === 'ok' ? 0 : 1, `${run.args.join(' ')}: ${run.result.stderr}`);
    }
    // Commands refused before pre (validation: already defined, not active, ...) changed nothing and said why.
    let succeeded = 0;
    for (const [pid, run] of byPid) {
      if (run.result.status === 0) succeeded++;
      if (notified.has(pid)) continue;
      assert.equal(run.result.status, 1, `${run.args.join(' ')}: ${run.result.stderr}`);
      assert.match(run.result.stderr, /^Error: [^\n]+\n$/);
    }
    // The lock's order varies from run to run, and with it the mix; typically 20-30 succeed. Each
    // uuid's first define in that order succeeds, and most modifies after it: 10 is a safe floor.
    assert.ok(succeeded >= 10, `a real mix: ${succeeded} succeeded, ${notified.size} notified`);

    // The final host is the model's.
    assertDefinitionsParse(root);
    assert.deepEqual(leftovers(root), [], 'no temp, lock or intent file left');
    const defined = JSON.parse((await okInProcess(root, 'list', '-d', '--dumpjson')) || '[]') as Array<Record<string, Array<Record<string, unknown>>>>;
    const expectDefs = [...defs].sort(([a], [b]) => a.localeCompare(b)).map(([u, d]) => ({
      [u]: { mdev_type: d.type, start: d.start, attrs: d.attrs.map(([k, v]) => ({ [k]: v })) },
    }));
    assert.deepEqual(defined, expectDefs.length > 0 ? [{ mtty: expectDefs }] : []);
    assert.deepEqual(s.host.activeUuids(), [...active.keys()].sort());

    // The simulated kernel agrees: same devices and pools as a fresh host where they were started one by one.
    const fresh = simHost();
    try {
      for (const [u, type] of [...active].sort()) await okInProcess(fresh.root, 'start', '-u', u, '-p', 'mtty', '-t', type);
      for (const args of [['types', '--dumpjson'], ['list', '--dumpjson']]) {
        const mine = await inProcess(root, args);
        const theirs = await inProcess(fresh.root, args);
        assert.equal(mine.stdout.replaceAll('"auto"', '"manual"'), theirs.stdout, args.join(' '));
      }
    } finally {
      fresh.cleanup();
    }
  } finally {
    s.cleanup();
  }
});
