// Crash safety (issue 6): each mutating command is killed with SIGKILL at every point of its
// lifecycle (the MDEVCTL_TEST_CRASH_AT test hook), then the host must be consistent: every
// definition parses, no temp file is left, and the next mutating command takes back a change
// the dead one left half-done — reporting it in one warning line — so that the host is exactly
// as before the dead command (or, once the change was complete, exactly as after it). Then the
// command run again works.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MDEVCTL_BIN } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { ScriptHost, shQuote, supportsJson } from '../helpers/callout-scripts.js';
import { assertDefinitionsParse, hostState, leftovers, okInProcess, stateDiff, type HostState } from '../helpers/reliability.js';
import { inProcess } from '../helpers/packaging.js';

const U = '6c1a3b6e-0f5e-4b47-9d7a-4f7d1c2e9a01';
const AP = ['-p', 'matrix', '-t', 'vfio_ap-passthrough'];

interface Scenario {
  /** The command that is killed. */
  args: string[];
  /** Brings a fresh host to the state the command starts from. */
  setup: (root: string) => Promise<void>;
  /** The recovery warning's text after the colon: when killed right after the intent, after the change. */
  intact: string;
  undone: string;
  /** stop cannot be taken back: once done, the host stays as after it. */
  irreversible?: boolean;
}

async function defineAp(root: string): Promise<void> {
  await okInProcess(root, 'define', '-u', U, ...AP);
  await okInProcess(root, 'modify', '-u', U, '--addattr', 'assign_adapter', '--value', '5');
  await okInProcess(root, 'modify', '-u', U, '--addattr', 'assign_domain', '--value', '4');
}

const SCENARIOS: Record<string, Scenario> = {
  define: {
    args: ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-2', '--auto'],
    setup: async () => undefined,
    intact: 'its definition had not been written',
    undone: 'removed the definition it had written',
  },
  modify: {
    args: ['modify', '-u', U, '--auto', '--addattr', 'b', '--value', '2'],
    setup: async (root) => {
      await okInProcess(root, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
      await okInProcess(root, 'modify', '-u', U, '--addattr', 'a', '--value', '1');
    },
    intact: 'the definition was unchanged',
    undone: 'put the previous definition back',
  },
  undefine: {
    args: ['undefine', '-u', U],
    setup: async (root) => {
      await okInProcess(root, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1', '--auto');
    },
    intact: 'the definition had not been removed',
    undone: 'put the definition back',
  },
  // Two attributes, so that the process also dies between two attribute writes ('attr').
  start: {
    args: ['start', '-u', U],
    setup: defineAp,
    intact: 'the device had not been created',
    undone: 'stopped the half-started device',
  },
  stop: {
    args: ['stop', '-u', U],
    setup: async (root) => {
      await defineAp(root);
      await okInProcess(root, 'start', '-u', U);
    },
    intact: 'the device is still running',
    undone: 'the device was stopped',
    irreversible: true,
  },
};

/** Points the command reaches ('attr' needs a start with two attributes). */
function pointsOf(command: string): string[] {
  const all = ['define', 'validate', 'pre', 'intent', 'create', 'attr', 'attrs', 'post', 'notify'];
  return command === 'start' ? all : all.filter((p) => p !== 'attr');
}

/** The host state after the command, from a run without crash on another fresh host. */
async function stateAfter(s: Scenario): Promise<HostState> {
  const h = simHost();
  try {
    await s.setup(h.root);
    await okInProcess(h.root, ...s.args);
    return hostState(h.root);
  } finally {
    h.cleanup();
  }
}

const RECOVERED = /^\[\S+ WARN  mdevctl\] Recovered from an interrupted '([\w -]+)' of (\S+) on (\S+) \(pid (\d+)\): (.+)\n$/;

for (const [command, s] of Object.entries(SCENARIOS)) {
  test(`kill -9 of '${command}' at every lifecycle stage leaves a consistent host; the next command recovers`, async (t) => {
    const after = await stateAfter(s);
    for (const point of pointsOf(command)) {
      await t.test(`killed at '${point}'`, async () => {
        const h: SimHost = simHost();
        try {
          await s.setup(h.root);
          const before = hostState(h.root);
          assert.notDeepEqual(stateDiff(before, after), {}, 'the command changes something');

          const r = spawnSync(process.execPath, [MDEVCTL_BIN, ...s.args], {
            env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: h.root, MDEVCTL_TEST_CRASH_AT: point },
            encoding: 'utf8',
          });
          assert.equal(r.signal, 'SIGKILL', `killed at ${point}: ${r.stderr}`);

          // Right after the crash: every definition parses, no temp file beside them.
          assertDefinitionsParse(h.root);
          assert.deepEqual(leftovers(h.root).filter((f) => !f.startsWith('run/mdevctl/')), []);

          // The next mutating command (one that changes nothing itself) recovers, in one line.
          const next = await inProcess(h.root, ['start-parent-mdevs', 'no-such-parent']);
          assert.equal(next.status, 0, next.stderr);
          assert.equal(next.stdout, '');
          const inWindow = ['intent', 'create', 'attr', 'attrs'].includes(point);
          if (inWindow) {
            const m = RECOVERED.exec(next.stderr);
            assert.ok(m, `one recovery warning line, got ${JSON.stringify(next.stderr)}`);
            const parent = command === 'start' || command === 'stop' ? 'matrix' : 'mtty';
            assert.deepEqual(m.slice(1), [command, U, parent, String(r.pid), point === 'intent' ? s.intact : s.undone]);
          } else {
            assert.equal(next.stderr, '', 'nothing to recover');
          }
          assert.deepEqual(leftovers(h.root), [], 'no lock, intent or temp file left');
          assertDefinitionsParse(h.root);

          // As before the dead command, or (once its change was complete) as after it.
          const complete = point === 'post' || point === 'notify' || (s.irreversible === true && inWindow && point !== 'intent');
          assert.deepEqual(stateDiff(hostState(h.root), complete ? after : before), {}, complete ? 'as after the command' : 'as before the command');

          // And the command works when run again.
          if (!complete) {
            await okInProcess(h.root, ...s.args);
            assert.deepEqual(stateDiff(hostState(h.root), after), {}, 'as after the command');
          }
        } finally {
          h.cleanup();
        }
      });
    }
  });
}

test('kill -9 of modify --live --defined between the live change (sysfs) and the stored one: reported, definition kept', async () => {
  for (const [point, outcome] of [
    ['pre', 'the definition was unchanged'],
    ['intent', 'the definition was unchanged'],
    ['create', 'put the previous definition back'],
    ['notify', undefined],
  ] as const) {
    const s = new ScriptHost();
    try {
      await okInProcess(s.root, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1', '--auto');
      await okInProcess(s.root, 'start', '-u', U);
      s.callout(
        '10-live',
        `if [ "$event" = get ] && [ "$action" = capabilities ]; then printf %s ${shQuote(supportsJson(['pre', 'post', 'notify', 'get', 'live']))}; exit 0; fi\nexit 0`,
      );
      const json = join(s.root, 'live.json');
      writeFileSync(json, JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: [{ x: '1' }] }));
      const file = `etc/mdevctl.d/mtty/${U}`;
      const before = s.host.read(file);
      const r = spawnSync(process.execPath, [MDEVCTL_BIN, 'modify', '-u', U, '--live', '--defined', '--jsonfile', json], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: s.root, MDEVCTL_TEST_CRASH_AT: point },
        encoding: 'utf8',
      });
      assert.equal(r.signal, 'SIGKILL', `${point}: ${r.stderr}`);
      const next = await inProcess(s.root, ['start-parent-mdevs', 'no-such-parent']);
      assert.equal(next.status, 0);
      if (outcome === undefined) {
        assert.equal(next.stderr, '');
        assert.notEqual(s.host.read(file), before, 'the stored change was complete');
      } else {
        const m = RECOVERED.exec(next.stderr);
        assert.ok(m, `${point}: ${JSON.stringify(next.stderr)}`);
        assert.deepEqual(m.slice(1), ['modify --live --defined', U, 'mtty', String(r.pid), `${outcome}; the running device may have been changed already`]);
        assert.equal(s.host.read(file), before, `${point}: the definition as before`);
      }
      assert.deepEqual(s.host.activeUuids(), [U], 'the device keeps running');
      assert.deepEqual(leftovers(s.root), []);
    } finally {
      s.cleanup();
    }
  }
});
