// Black-box: data cannot forge output. A parent dir name, attribute values (stored, or from a
// `get attributes` call-out) and type names/descriptions from sysfs carrying newlines, carriage
// returns or terminal escapes never add a line or a raw control character to text output (they
// are written as `\n`, `\r`, `\u{1b}`); --dumpjson is strict UTF-8 with no lone surrogate (a
// `\ud800` escape strict parsers refuse); ordinary data is printed exactly as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { LSMDEV_BIN, mdevctl, runBin } from '../helpers/cli.js';
import { shQuote, withScripts } from '../helpers/callout-scripts.js';
import { withHost } from '../helpers/expect.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const EVIL_PARENT = 'evil\nfake-uuid fake-parent fake-type auto';

/** Every string in a parsed JSON value (keys too). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

/** JSON a strict parser takes: valid UTF-8 bytes, valid JSON, no lone surrogate in any string. */
function strictJson(stdout: string): unknown {
  const bytes = Buffer.from(stdout, 'utf8');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  assert.doesNotMatch(text, /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|\\ud[c-f][0-9a-f]{2}/i, 'an escaped lone surrogate');
  const value: unknown = JSON.parse(text);
  for (const s of strings(value)) {
    assert.doesNotMatch(s, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, `lone surrogate in ${JSON.stringify(s)}`);
  }
  return value;
}

/** No raw control character but newline (tab is fine) in text output. */
function noRawControls(stdout: string): void {
  assert.doesNotMatch(stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/, JSON.stringify(stdout));
}

test('list -d / -v / lsmdev / list-saved: a parent dir name and stored values cannot add lines or escapes', () =>
  withHost((h) => {
    mkdirSync(h.path(`etc/mdevctl.d/${EVIL_PARENT}`), { recursive: true });
    writeFileSync(
      h.path(`etc/mdevctl.d/${EVIL_PARENT}/${U}`),
      '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":"x\\nfake line\\r\\u001b[2J\\u001b]0;t\\u0007"},{"b":"\\ud800 \\udc00"},{"c":"ok é \\ud83d\\ude00\\tx\\\\y"}]}',
    );
    const text = mdevctl(h.root, 'list', '-d');
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stdout, `${U} evil\\nfake-uuid fake-parent fake-type auto mtty-1 manual\n`);
    const verbose = mdevctl(h.root, 'list', '-d', '-v');
    assert.equal(
      verbose.stdout,
      `${U} evil\\nfake-uuid fake-parent fake-type auto mtty-1 manual\n` +
        '  Attrs:\n' +
        '    @{0}: {"a":"x\\nfake line\\r\\u{1b}[2J\\u{1b}]0;t\\u{7}"}\n' +
        '    @{1}: {"b":"\ufffd \ufffd"}\n' +
        '    @{2}: {"c":"ok é \ud83d\ude00\tx\\y"}\n',
    );
    noRawControls(verbose.stdout);
    const ls = runBin(h.root, ['-d', '-v'], { bin: LSMDEV_BIN });
    assert.equal(ls.stdout, verbose.stdout);
    const saved = mdevctl(h.root, 'list-saved');
    assert.equal(saved.stdout, `${U} evil\\nfake-uuid fake-parent fake-type auto mtty-1 manual\n`);

    const json = mdevctl(h.root, 'list', '-d', '--dumpjson');
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(strictJson(json.stdout), [
      {
        [EVIL_PARENT]: [
          {
            [U]: {
              mdev_type: 'mtty-1',
              start: 'manual',
              attrs: [{ a: 'x\nfake line\r\u001b[2J\u001b]0;t\u0007' }, { b: '\ufffd \ufffd' }, { c: 'ok é \ud83d\ude00\tx\\y' }],
            },
          },
        ],
      },
    ]);
    strictJson(mdevctl(h.root, 'list', '-d', '-u', U, '--dumpjson').stdout);
  }));

test('types: a type dir name, its name and description from sysfs cannot add lines or escapes', () =>
  withHost(
    (h) => {
      const base = h.path('sys/class/mdev_bus/mtty/mdev_supported_types');
      const evil = `${base}/mtty-9\nfake-type`;
      mkdirSync(evil);
      writeFileSync(`${evil}/available_instances`, '1\n');
      writeFileSync(`${evil}/device_api`, 'vfio-mdev\u001b[31m\n');
      writeFileSync(`${evil}/name`, 'Evil\n    Available instances: 999\n');
      writeFileSync(`${evil}/description`, 'two\rlines\u001b]8;;http://x\u0007\u2028end\n');
      const r = mdevctl(h.root, 'types', '-p', 'mtty');
      assert.equal(r.status, 0, r.stderr);
      noRawControls(r.stdout);
      assert.ok(
        r.stdout.includes(
          '  mtty-9\\nfake-type\n    Available instances: 1\n    Device API: vfio-mdev\\u{1b}[31m\n' +
            '    Name: Evil\\n    Available instances: 999\n' +
            '    Description: two\\rlines\\u{1b}]8;;http://x\\u{7}\\u{2028}end\n',
        ),
        r.stdout,
      );
      // Ordinary types print as before: the two real mtty types, then ours.
      assert.equal(r.stdout.split('\n').length - 1, 1 + 2 * 4 + 5);
      strictJson(mdevctl(h.root, 'types', '-p', 'mtty', '--dumpjson').stdout);
      noRawControls(mdevctl(h.root, 'list-types').stdout);
    },
    { parents: ['mtty'] },
  ));

test('list -v of a running device: values a get-attributes call-out returns cannot add lines; JSON stays strict', () => {
  withScripts((s) => {
    const r0 = s.run('start', '-u', U, '-p', 'mtty', '-t', 'mtty-1');
    assert.equal(r0.status, 0, r0.stderr);
    const answer = '[{"x":"1\\n    @{1}: {\\"forged\\":\\"1\\"}\\u001b[1A"},{"y":"\\udfff"}]';
    s.callout(
      '10-get',
      `if [ "$event" = get ] && [ "$action" = attributes ]; then printf '%s' ${shQuote(answer)}; fi\nexit 0`,
    );
    const r = s.run('list', '-v');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `${U} mtty mtty-1 manual\n  Attrs:\n    @{0}: {"x":"1\\n    @{1}: {"forged":"1"}\\u{1b}[1A"}\n    @{1}: {"y":"\ufffd"}\n`,
    );
    assert.deepEqual(strictJson(s.run('list', '--dumpjson').stdout), [
      { mtty: [{ [U]: { mdev_type: 'mtty-1', start: 'manual', attrs: [{ x: '1\n    @{1}: {"forged":"1"}\u001b[1A' }, { y: '\ufffd' }] } }] },
    ]);
  });
});

test('warnings on stderr are one line each: a parent dir name cannot forge a warning or an escape there', () =>
  withHost((h) => {
    const forged = 'evil\n[2026-01-01T00:00:00Z WARN  mdevctl] forged \u001b[2J';
    mkdirSync(h.path(`etc/mdevctl.d/${forged}`), { recursive: true });
    writeFileSync(h.path(`etc/mdevctl.d/${forged}/${U}`), 'not json');
    const r = mdevctl(h.root, 'list', '-d');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /evil\\n\[2026-01-01T00:00:00Z WARN {2}mdevctl\] forged \\u\{1b\}\[2J/);
    noRawControls(r.stderr);
  }));
