// Black-box: the `get attributes` call-out — define -u of a running device takes the attributes
// from it before pre (and fails, writing nothing, when it fails); list, list -v and --dumpjson of
// active devices show them (a failure there only costs that device its attributes); and each
// script is probed once per command, not once per device (SPEC §4, §8).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedKernel } from '@mdevctl/plugin-sim';
import { configOf, shQuote, withScripts, type ScriptHost } from '../helpers/callout-scripts.js';
import { WARN } from '../helpers/expect.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';

/** A call-out that answers `get attributes` for mtty devices with printf's output of `format`. */
function getScript(s: ScriptHost, format: string, status = 0, name = '10-get'): string {
  return s.callout(
    name,
    `case "$type" in mtty-*) ;; *) exit 2;; esac\n` +
      `if [ "$event" = get ] && [ "$action" = attributes ]; then printf ${shQuote(format)}; exit ${status}; fi\nexit 0`,
  );
}

function startTransient(s: ScriptHost, uuid = U, type = 'mtty-1'): void {
  const r = s.run('start', '-u', uuid, '-p', 'mtty', '-t', type);
  assert.equal(r.status, 0, r.stderr);
}

test('define -u of a running device: get attributes first (empty stdin), then pre and post see them, and the definition has them', () => {
  withScripts((s) => {
    startTransient(s);
    getScript(s, '[{"assign_adapter":"5"},{"assign_domain":"0x47"}]');
    s.notifier('n1', 'exit 0');
    s.clearLog();
    const r = s.run('define', '-u', U);
    assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
    const config = configOf('mtty-1', 'manual', [['assign_adapter', '5'], ['assign_domain', '0x47']]);
    assert.deepEqual(
      s.calls().map((c) => [c.script, c.argv, c.stdin]),
      [
        ['10-get', `-t mtty-1 -e get -a capabilities -s none -u ${U} -p mtty`, s.calls()[0]?.stdin],
        ['10-get', `-t mtty-1 -e get -a attributes -s none -u ${U} -p mtty`, ''],
        ['10-get', `-t mtty-1 -e pre -a define -s none -u ${U} -p mtty`, config],
        ['10-get', `-t mtty-1 -e post -a define -s success -u ${U} -p mtty`, config],
        ['n1', `-t mtty-1 -e notify -a define -s success -u ${U} -p mtty`, config],
      ],
    );
    assert.deepEqual(JSON.parse(s.host.read(`etc/mdevctl.d/mtty/${U}`)), JSON.parse(config));
  });
});

for (const [what, output, status, reason] of [
  ['invalid JSON', 'not json', 0, /returned invalid attributes for device \S+: invalid JSON \(/],
  ['not an array', '{"a":"1"}', 0, /returned invalid attributes for device \S+: not a JSON array$/],
  ['a non-string value', '[{"a":1}]', 0, /the value of attribute 0 \(a\) is not a string$/],
  ['two fields in one attribute', '[{"a":"1","b":"2"}]', 0, /attribute 0 does not have exactly one field$/],
  ['exit status 1', '[{"a":"1"}]', 1, /failed with status '1'$/],
] as const) {
  test(`define -u of a running device whose get attributes gives ${what}: fails before pre, writes nothing`, () => {
    withScripts((s) => {
      startTransient(s);
      const script = getScript(s, output, status);
      s.notifier('n1', 'exit 0');
      s.clearLog();
      const r = s.run('define', '-u', U);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      const lines = r.stderr.split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.ok((lines[0] ?? '').startsWith(`Error: Script '${script}' `), r.stderr);
      assert.match(lines[0] ?? '', reason);
      assert.deepEqual(s.trace(), ['10-get get capabilities none', '10-get get attributes none']);
      assert.deepEqual(s.host.definitions('mtty'), []);
    });
  });
}

for (const [what, output, attrs] of [
  ['no output', '', []],
  ['JSON null', 'null\n', []],
  ['[{}]', '[{}]', []],
  ['[{}] and a newline', '[{}]\n', []],
  ['trailing NULs', '[{"a":"1"}]\\000\\000', [['a', '1']]],
  ['pretty JSON with a newline', '[\n  {\n    "a": "1"\n  }\n]\n', [['a', '1']]],
] as const) {
  test(`define -u of a running device whose get attributes gives ${what}`, () => {
    withScripts((s) => {
      startTransient(s);
      getScript(s, output);
      const r = s.run('define', '-u', U);
      assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
      assert.deepEqual(
        JSON.parse(s.host.read(`etc/mdevctl.d/mtty/${U}`)),
        JSON.parse(configOf('mtty-1', 'manual', attrs.map(([k, v]) => [k, v] as [string, string]))),
      );
    });
  });
}

test('define -u of a running device when no script answers get (exit 2): no attributes', () => {
  withScripts((s) => {
    startTransient(s);
    s.callout('10-other', 'exit 2');
    assert.deepEqual(s.run('define', '-u', U), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(JSON.parse(s.host.read(`etc/mdevctl.d/mtty/${U}`)), JSON.parse(configOf('mtty-1', 'manual')));
    assert.deepEqual(s.trace(), [
      '10-other get capabilities none',
      '10-other get attributes none',
      '10-other pre define none',
      '10-other post define success',
    ]);
  });
});

test('define of a device that is not running never asks get attributes', () => {
  withScripts((s) => {
    getScript(s, '[{"a":"1"}]');
    assert.deepEqual(s.run('define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(s.trace(), ['10-get get capabilities none', '10-get pre define none', '10-get post define success']);
  });
});

test('list, list -v and --dumpjson of active devices show the attributes a get script reports', () => {
  withScripts((s) => {
    startTransient(s, U, 'mtty-1');
    startTransient(s, U2, 'mtty-2');
    assert.deepEqual(s.run('define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2', '--auto'), { status: 0, stdout: '', stderr: '' });
    s.callout(
      '10-get',
      'if [ "$event" = get ] && [ "$action" = attributes ]; then printf \'[{"port":"%s"},{"uuid_tail":"%s"}]\' "$type" "${uuid##*-}"; fi; exit 0',
    );
    assert.deepEqual(s.run('list'), {
      status: 0,
      stdout: `${U} mtty mtty-1 manual\n${U2} mtty mtty-2 auto (defined)\n`,
      stderr: '',
    });
    assert.deepEqual(s.run('list', '-v'), {
      status: 0,
      stdout:
        `${U} mtty mtty-1 manual\n  Attrs:\n    @{0}: {"port":"mtty-1"}\n    @{1}: {"uuid_tail":"0d1c2b3a4f01"}\n` +
        `${U2} mtty mtty-2 auto (defined)\n  Attrs:\n    @{0}: {"port":"mtty-2"}\n    @{1}: {"uuid_tail":"0d1c2b3a4f02"}\n`,
      stderr: '',
    });
    const dump = s.run('list', '--dumpjson');
    assert.equal(dump.status, 0, dump.stderr);
    assert.deepEqual(JSON.parse(dump.stdout), [
      {
        mtty: [
          { [U]: { mdev_type: 'mtty-1', start: 'manual', attrs: [{ port: 'mtty-1' }, { uuid_tail: '0d1c2b3a4f01' }] } },
          { [U2]: { mdev_type: 'mtty-2', start: 'auto', attrs: [{ port: 'mtty-2' }, { uuid_tail: '0d1c2b3a4f02' }] } },
        ],
      },
    ]);
    const one = s.run('list', '--dumpjson', '-u', U2);
    assert.equal(one.stdout, `${JSON.stringify({ mdev_type: 'mtty-2', start: 'auto', attrs: [{ port: 'mtty-2' }, { uuid_tail: '0d1c2b3a4f02' }] }, null, 2)}\n`);
    // the defined listing shows the definition, and asks no script
    s.clearLog();
    assert.deepEqual(s.run('list', '-d', '-v'), { status: 0, stdout: `${U2} mtty mtty-2 auto (active)\n`, stderr: '' });
    assert.deepEqual(s.trace(), []);
  });
});

test('list: a get script failing for one device costs only that device its attributes (a warning, exit 0)', () => {
  withScripts((s) => {
    startTransient(s, U);
    startTransient(s, U2);
    const script = s.callout(
      '10-get',
      `if [ "$event" = get ] && [ "$action" = attributes ]; then\n` +
        `  [ "$uuid" = ${U} ] && { printf 'not json'; exit 0; }\n` +
        `  [ "$uuid" = ${U2} ] && { printf '[{"a":"1"}]'; exit 0; }\n` +
        `fi\nexit 0`,
    );
    const r = s.run('list', '-v');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${U} mtty mtty-1 manual\n${U2} mtty mtty-1 manual\n  Attrs:\n    @{0}: {"a":"1"}\n`);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', WARN);
    assert.match(
      lines[0] ?? '',
      new RegExp(`Listing device ${U} without attributes: Script '${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' returned invalid attributes for device ${U}: invalid JSON`),
    );
  });
});

test('list of many active devices: every script is probed once per parent/type, only the answering one runs per device', () => {
  withScripts((s) => {
    const kernel = SimulatedKernel.open(s.root);
    const create = (parent: string, type: string, uuid: string) =>
      kernel.write(s.host.path(`sys/class/mdev_bus/${parent}/mdev_supported_types/${type}/create`), uuid);
    const apUuids = Array.from({ length: 40 }, (_, i) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const u of apUuids) create('matrix', 'vfio_ap-passthrough', u);
    const ttyUuids = Array.from({ length: 3 }, (_, i) => `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const u of ttyUuids) create('mtty', 'mtty-1', u);
    s.callout('10-other', 'exit 2');
    s.callout('20-ap', '[ "$type" = vfio_ap-passthrough ] || exit 2\n[ "$event" = get ] && [ "$action" = attributes ] && printf \'[{"assign_adapter":"%s"}]\' "${uuid##*-}"\nexit 0');
    s.callout('30-last', 'exit 2');
    const r = s.run('list', '-v');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const count = (script: string, event: string, action: string, type: string) =>
      s.calls().filter((c) => c.script === script && c.event === event && c.action === action && c.type === type).length;
    const T = 'vfio_ap-passthrough';
    assert.deepEqual(
      {
        other: [count('10-other', 'get', 'capabilities', T), count('10-other', 'get', 'attributes', T), count('10-other', 'get', 'capabilities', 'mtty-1'), count('10-other', 'get', 'attributes', 'mtty-1')],
        ap: [count('20-ap', 'get', 'capabilities', T), count('20-ap', 'get', 'attributes', T), count('20-ap', 'get', 'capabilities', 'mtty-1'), count('20-ap', 'get', 'attributes', 'mtty-1')],
        last: [count('30-last', 'get', 'capabilities', T), count('30-last', 'get', 'attributes', T), count('30-last', 'get', 'capabilities', 'mtty-1'), count('30-last', 'get', 'attributes', 'mtty-1')],
      },
      {
        other: [1, 1, 1, 1],
        ap: [1, 40, 1, 1], // one get per ap device: the attributes are per device
        last: [1, 0, 1, 1], // 20-ap answered for the ap type, so 30-last is never asked for it
      },
    );
    assert.equal(s.calls().length, 3 + 1 + 40 + 3 + 3);
    // the attributes are each device's own
    const lines = r.stdout.split('\n');
    assert.equal(lines.filter((l) => l.includes('@{0}: {"assign_adapter":')).length, 40);
    assert.ok(r.stdout.includes(`${apUuids[7]} matrix ${T} manual\n  Attrs:\n    @{0}: {"assign_adapter":"000000000007"}\n`));
    assert.ok(r.stdout.includes(`${ttyUuids[0]} mtty mtty-1 manual\n${ttyUuids[1]} mtty mtty-1 manual\n`));
  });
});
