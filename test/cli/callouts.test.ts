// Black-box: call-out scripts around define/undefine/modify/start/stop — pre (state none; exit
// 2 = next script, other non-zero = abort unless --force), post (success/failure, exit ignored),
// notifiers (all, both dirs, name order, config on stdin), the exact arguments, both script dirs
// and their order, stderr echo, and that a validation failure runs no script at all (SPEC §4, §8).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ETC_CALLOUTS,
  ETC_NOTIFIERS,
  USR_NOTIFIERS,
  configOf,
  withScripts,
  type ScriptHost,
} from '../helpers/callout-scripts.js';
import type { RunResult } from '../helpers/cli.js';
import { WARN } from '../helpers/expect.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';

function ok(r: RunResult, stdout = ''): void {
  assert.deepEqual(r, { status: 0, stdout, stderr: '' });
}

/** A warning line of our logger. */

test('define, modify, start, stop, undefine: capabilities probe, pre, post, notify with exact arguments and config on stdin', () => {
  withScripts((s) => {
    s.callout('10-log', 'exit 0');
    s.notifier('n1', 'exit 0');
    const json = join(s.root, 'dev.json');
    const T = 'vfio_ap-passthrough';
    writeFileSync(json, JSON.stringify({ mdev_type: T, start: 'auto', attrs: [{ assign_adapter: '5' }] }));
    ok(s.run('define', '-u', U, '-p', 'matrix', '--jsonfile', json));
    ok(s.run('modify', '-u', U, '--addattr', 'assign_domain', '--value', '0x47'));
    ok(s.run('start', '-u', U));
    ok(s.run('stop', '-u', U));
    ok(s.run('undefine', '-u', U));
    const after = configOf(T, 'auto', [['assign_adapter', '5'], ['assign_domain', '0x47']]);
    const expected: Array<[string, string, string, string, string]> = [];
    const steps: Array<[string, string]> = [
      ['define', configOf(T, 'auto', [['assign_adapter', '5']])],
      ['modify', after],
      ['start', after],
      ['stop', configOf(T, 'manual')], // as sysfs has it (upstream)
      ['undefine', after],
    ];
    for (const [action, config] of steps) {
      expected.push(
        ['10-log', 'get', 'capabilities', 'none', '{"provides":{"version":2,"actions":["start","stop","define","undefine","modify","attributes","capabilities"],"events":["pre","post","notify","get","live"]}}'],
        ['10-log', 'pre', action, 'none', config],
        ['10-log', 'post', action, 'success', config],
        ['n1', 'notify', action, 'success', config],
      );
    }
    const calls = s.calls();
    assert.deepEqual(
      calls.map((c) => [c.script, c.event, c.action, c.state, c.stdin]),
      expected,
    );
    for (const c of calls) {
      assert.equal(c.argc, 12);
      assert.equal(c.argv, `-t ${T} -e ${c.event} -a ${c.action} -s ${c.state} -u ${U} -p matrix`);
    }
  });
});

/** What each action did, checked after a run: [args, did it happen?]. */
const ACTIONS: Array<{
  action: string;
  setup: (s: ScriptHost) => void;
  args: string[];
  happened: (s: ScriptHost) => boolean;
}> = [
  {
    action: 'define',
    setup: () => {},
    args: ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'],
    happened: (s) => s.host.exists(`etc/mdevctl.d/mtty/${U}`),
  },
  {
    action: 'modify',
    setup: (s) => ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1')),
    args: ['modify', '-u', U, '--auto'],
    happened: (s) => s.host.read(`etc/mdevctl.d/mtty/${U}`).includes('"auto"'),
  },
  {
    action: 'start',
    setup: (s) => ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1')),
    args: ['start', '-u', U],
    happened: (s) => s.host.activeUuids().includes(U),
  },
  {
    action: 'stop',
    setup: (s) => ok(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1')),
    args: ['stop', '-u', U],
    happened: (s) => !s.host.activeUuids().includes(U),
  },
  {
    action: 'undefine',
    setup: (s) => ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1')),
    args: ['undefine', '-u', U],
    happened: (s) => !s.host.exists(`etc/mdevctl.d/mtty/${U}`),
  },
];

for (const { action, setup, args, happened } of ACTIONS) {
  test(`${action}: a pre call-out exiting 1 aborts it with one error line naming the script; notify follows with state none`, () => {
    withScripts((s) => {
      setup(s);
      const script = s.callout('10-veto', `[ "$event" = pre ] && exit 1; exit 0`);
      s.notifier('n1', 'exit 0');
      s.clearLog();
      const r = s.run(...args);
      assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${script}' failed with status '1'\n` });
      assert.equal(happened(s), false, 'the primary action did not run');
      assert.deepEqual(s.trace(), [
        '10-veto get capabilities none',
        `10-veto pre ${action} none`,
        `n1 notify ${action} none`,
      ]);
    });
  });

  test(`${action} --force: goes on despite the failing pre, with a warning; post and notify see success`, () => {
    withScripts((s) => {
      setup(s);
      const script = s.callout('10-veto', `[ "$event" = pre ] && exit 3; exit 0`);
      s.notifier('n1', 'exit 0');
      s.clearLog();
      const r = s.run(...args, '--force');
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stderr.split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0] ?? '', WARN);
      assert.ok(
        (lines[0] ?? '').endsWith(
          `Forcing operation '${action}' despite callout failure. Error was: Script '${script}' failed with status '3'`,
        ),
        r.stderr,
      );
      assert.equal(happened(s), true, 'the primary action ran');
      assert.deepEqual(s.trace(), [
        '10-veto get capabilities none',
        `10-veto pre ${action} none`,
        `10-veto post ${action} success`,
        `n1 notify ${action} success`,
      ]);
    });
  });

  test(`${action}: post exiting 1 changes nothing; notifiers' exit statuses are ignored`, () => {
    withScripts((s) => {
      setup(s);
      s.callout('10-post-fails', `[ "$event" = post ] && exit 1; exit 0`);
      s.notifier('n1', 'exit 1');
      s.notifier('n2', 'exit 0');
      s.clearLog();
      const r = s.run(...args);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(happened(s), true);
      assert.deepEqual(s.trace(), [
        '10-post-fails get capabilities none',
        `10-post-fails pre ${action} none`,
        `10-post-fails post ${action} success`,
        `n1 notify ${action} success`,
        `n2 notify ${action} success`,
      ]);
    });
  });
}

test('exit 2 means "not my type": the next script is tried, the first other answer wins and also gets post', () => {
  withScripts((s) => {
    s.callout('10-other', 'exit 2');
    s.callout('20-mine', '[ "$type" = mtty-1 ] || exit 2; exit 0');
    s.callout('30-never', 'exit 1'); // would veto if it ran
    s.notifier('n1', 'exit 0');
    ok(s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    assert.deepEqual(s.trace(), [
      '10-other get capabilities none',
      '20-mine get capabilities none',
      '30-never get capabilities none',
      '10-other pre start none',
      '20-mine pre start none',
      '20-mine post start success',
      'n1 notify start success',
    ]);
    // mtty-2: 20-mine says 2 too, so 30-never answers — and vetoes.
    s.clearLog();
    const r = s.run('start', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `Error: Script '${join(s.root, 'usr/lib/mdevctl/scripts.d/callouts/30-never')}' failed with status '1'\n`);
    assert.deepEqual(s.host.activeUuids(), [U]);
  });
});

test('no script answers (all exit 2): the command goes on as if there were none', () => {
  withScripts((s) => {
    s.callout('10-a', 'exit 2');
    s.callout('20-b', 'exit 2');
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    assert.deepEqual(s.trace(), [
      '10-a get capabilities none',
      '20-b get capabilities none',
      '10-a pre define none',
      '20-b pre define none',
      '10-a post define success',
      '20-b post define success',
    ]);
    assert.equal(s.host.exists(`etc/mdevctl.d/mtty/${U}`), true);
  });
});

test('scripts run from usr/lib first, then the deprecated etc dir, each dir in name order', () => {
  withScripts((s) => {
    s.callout('b', 'exit 2');
    s.callout('a', 'exit 2');
    s.callout('B', 'exit 2'); // byte order: upper case first
    s.script(ETC_CALLOUTS, '0', 'exit 2');
    s.script(ETC_CALLOUTS, 'c', 'exit 0');
    s.script(ETC_CALLOUTS, 'd', 'exit 1');
    s.notifier('n2', 'exit 0');
    s.notifier('n1', 'exit 0');
    s.script(ETC_NOTIFIERS, 'm0', 'exit 0');
    s.script(ETC_NOTIFIERS, 'z9', 'exit 0');
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    assert.deepEqual(s.trace(), [
      'B get capabilities none',
      'a get capabilities none',
      'b get capabilities none',
      '0 get capabilities none',
      'c get capabilities none',
      'd get capabilities none',
      'B pre define none',
      'a pre define none',
      'b pre define none',
      '0 pre define none',
      'c pre define none',
      'c post define success',
      'n1 notify define success',
      'n2 notify define success',
      'm0 notify define success',
      'z9 notify define success',
    ]);
  });
});

test('a script in usr/lib answers before one in etc, whatever their names', () => {
  withScripts((s) => {
    const usr = s.callout('zz-usr', '[ "$event" = pre ] && exit 1; exit 0');
    s.script(ETC_CALLOUTS, '00-etc', 'exit 0');
    const r = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(r, { status: 1, stdout: '', stderr: `Error: Script '${usr}' failed with status '1'\n` });
    assert.deepEqual(s.trace(), ['zz-usr get capabilities none', '00-etc get capabilities none', 'zz-usr pre define none']);
  });
});

test('post gets state failure when the primary action fails; notify too', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('modify', '-u', U, '--addattr', 'no_such_attr', '--value', 'x'));
    s.callout('10-log', 'exit 0');
    s.notifier('n1', 'exit 0');
    const r = s.run('start', '-u', U);
    assert.deepEqual(r, { status: 1, stdout: '', stderr: "Error: Invalid attribute 'no_such_attr'\n" });
    assert.deepEqual(s.trace(), [
      '10-log get capabilities none',
      '10-log pre start none',
      '10-log post start failure',
      'n1 notify start failure',
    ]);
  });
});

test('notifiers: every one of both dirs runs, in order, with the config on stdin; their exit statuses are ignored', () => {
  withScripts((s) => {
    s.notifier('n2', 'exit 1');
    s.notifier('n1', 'exit 0');
    s.script(ETC_NOTIFIERS, 'n0', 'exit 3');
    s.script(ETC_NOTIFIERS, 'n3', 'exit 2', { readStdin: false });
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-2', '--auto'));
    const config = configOf('mtty-2', 'auto');
    assert.deepEqual(
      s.calls().map((c) => [c.script, c.argv, c.stdin]),
      [
        ['n1', `-t mtty-2 -e notify -a define -s success -u ${U} -p mtty`, config],
        ['n2', `-t mtty-2 -e notify -a define -s success -u ${U} -p mtty`, config],
        ['n0', `-t mtty-2 -e notify -a define -s success -u ${U} -p mtty`, config],
        ['n3', `-t mtty-2 -e notify -a define -s success -u ${U} -p mtty`, '-'],
      ],
    );
  });
});

test("a script's stderr is echoed on ours, each line prefixed by the script's file name", () => {
  withScripts((s) => {
    s.callout('10-chatty', '[ "$event" = pre ] && printf "first line\\nsecond line\\n" >&2; [ "$event" = post ] && printf "no newline" >&2; exit 0');
    s.callout('20-quiet', 'echo "never shown: not asked" >&2; exit 0');
    s.notifier('n1', 'echo "notifier says hi" >&2; exit 1');
    const r = s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(r, {
      status: 0,
      stdout: '',
      stderr: '10-chatty: first line\n10-chatty: second line\n10-chatty: no newline\nn1: notifier says hi\n',
    });
  });
});

test('a script that exits 2 or does not answer capabilities keeps its stderr to itself', () => {
  withScripts((s) => {
    s.callout('10-other', 'echo "not my type" >&2; exit 2');
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    assert.equal(s.trace().length, 3);
  });
});

test('validation failures run no script at all', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('start', '-u', U2, '-p', 'mtty', '-t', 'mtty-1'));
    s.callout('10-log', 'exit 0');
    s.notifier('n1', 'exit 0');
    const failing: string[][] = [
      ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], // already defined
      ['define', '-u', U3, '-p', '../x', '-t', 'mtty-1'], // unsafe parent name
      ['start', '-u', U2, '-p', 'mtty', '-t', 'mtty-1'], // already running
      ['start', '-u', U3, '-p', 'nope', '-t', 'mtty-1'], // unknown parent
      ['start', '-u', U3, '-p', 'mtty', '-t', 'mtty-9'], // unknown type
      ['modify', '-u', U, '--addattr', '../evil', '--value', '1'], // unsafe attribute name
      ['stop', '-u', U3], // not running
      ['undefine', '-u', U3], // not defined
      ['modify', '-u', U3, '--auto'], // not defined
    ];
    for (const args of failing) {
      const r = s.run(...args);
      assert.notEqual(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.deepEqual(s.trace(), []);
  });
});

test('start-parent-mdevs: pre and post (action start) and notify for every auto device', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1', '--auto'));
    ok(s.run('define', '-u', U2, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('define', '-u', U3, '-p', 'mtty', '-t', 'mtty-2', '--auto'));
    s.callout('10-log', '[ "$uuid" = ' + U3 + ' ] && [ "$event" = pre ] && exit 1; exit 0');
    s.notifier('n1', 'exit 0');
    const r = s.run('start-parent-mdevs', 'mtty');
    assert.equal(r.status, 1, 'a vetoed auto device is one that did not start');
    assert.match(r.stderr, /failed with status '1'/);
    assert.match(r.stderr, new RegExp(`\\nError: 1 auto device of mtty did not start: ${U3}\\n$`));
    assert.deepEqual(
      s.calls().map((c) => `${c.script} ${c.event} ${c.action} ${c.state} ${c.uuid}`),
      [
        `10-log get capabilities none ${U}`,
        `10-log pre start none ${U}`,
        `10-log post start success ${U}`,
        `n1 notify start success ${U}`,
        `10-log get capabilities none ${U3}`, // another type: probed again
        `10-log pre start none ${U3}`,
        `n1 notify start none ${U3}`,
      ],
    );
    assert.deepEqual(s.host.activeUuids(), [U]);
  });
});

test('undefine of a uuid defined under two parents: one pre/post/notify round per definition', () => {
  withScripts((s) => {
    ok(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'));
    ok(s.run('define', '-u', U, '-p', 'mdpy', '-t', 'mdpy-vga'));
    s.callout('10-log', 'exit 0');
    s.script(USR_NOTIFIERS, 'n1', 'exit 0');
    ok(s.run('undefine', '-u', U));
    assert.deepEqual(
      s.calls().map((c) => `${c.script} ${c.event} ${c.action} ${c.parent}`).filter((l) => !l.includes('capabilities')),
      ['10-log pre undefine mdpy', '10-log post undefine mdpy', 'n1 notify undefine mdpy',
        '10-log pre undefine mtty', '10-log post undefine mtty', 'n1 notify undefine mtty'],
    );
  });
});
