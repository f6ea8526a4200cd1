// Pure logic: uuid parsing, name checks, config parsing and formatting, pretty JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfig, nameProblem, obj, parseDeviceConfig, parseUuid, prettyJson } from 'mdevctl';

test('parseUuid accepts any 8-4-4-4-12 or 32-digit hex string and lower-cases it', () => {
  assert.equal(parseUuid('11111111-1111-0000-0000-000000000000'), '11111111-1111-0000-0000-000000000000');
  assert.equal(parseUuid('83B8F4F2-509F-382F-3C1E-E6BFE0FA1001'), '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001');
  assert.equal(parseUuid('83b8f4f2509f382f3c1ee6bfe0fa1001'), '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001');
  for (const bad of ['', 'not-a-uuid', '83b8f4f2-509f-382f-3c1e-e6bfe0fa100', '83b8f4f2-509f-382f-3c1e-e6bfe0fa10zz',
    '{83b8f4f2-509f-382f-3c1e-e6bfe0fa1001}', '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\n', ' 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001']) {
    assert.equal(parseUuid(bad), undefined, JSON.stringify(bad));
  }
});

test('names must be one path component', () => {
  for (const ok of ['mtty', '0000:00:02.0', '0.0.0313', 'matrix', 'i915-GVTg_V5_4', 'assign_adapter', '...']) {
    assert.equal(nameProblem(ok), undefined, ok);
  }
  for (const bad of ['', '.', '..', '../x', 'a/b', '/abs', 'a\0b', 'a\nb', 'x'.repeat(256)]) {
    assert.notEqual(nameProblem(bad), undefined, JSON.stringify(bad));
  }
});

test('a config is formatted like serde_json to_string_pretty, without a trailing newline', () => {
  const text = formatConfig({ type: 'mtty-2', start: 'manual', attrs: [] });
  assert.equal(text, '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}');
  const withAttrs = formatConfig({ type: 't', start: 'auto', attrs: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] });
  assert.equal(
    withAttrs,
    '{\n  "mdev_type": "t",\n  "start": "auto",\n  "attrs": [\n    {\n      "a": "1"\n    },\n    {\n      "a": "2"\n    }\n  ]\n}',
  );
});

test('config parsing keeps attribute order and duplicates, and accepts attrs omitted or null', () => {
  const c = parseDeviceConfig('{"mdev_type":"t","start":"auto","attrs":[{"b":"1"},{"a":"2"},{"b":"3"}]}', 'f');
  assert.deepEqual(c.attrs, [{ name: 'b', value: '1' }, { name: 'a', value: '2' }, { name: 'b', value: '3' }]);
  assert.deepEqual(parseDeviceConfig('{"mdev_type":"t","start":"manual"}', 'f').attrs, []);
  assert.deepEqual(parseDeviceConfig('{"mdev_type":"t","start":"manual","attrs":null}', 'f').attrs, []);
});

test('config parsing rejects every wrong shape with a message naming the file', () => {
  const bad: Record<string, string> = {
    'not json': '{',
    'not an object': '[]',
    'no type': '{"start":"auto"}',
    'type not a string': '{"mdev_type":1,"start":"auto"}',
    'type with a slash': '{"mdev_type":"../x","start":"auto"}',
    'no start': '{"mdev_type":"t"}',
    'start not a string': '{"mdev_type":"t","start":1}',
    'attrs not an array': '{"mdev_type":"t","start":"auto","attrs":{"a":"b"}}',
    'attr with two keys': '{"mdev_type":"t","start":"auto","attrs":[{"a":"1","b":"2"}]}',
    'attr value not a string': '{"mdev_type":"t","start":"auto","attrs":[{"a":1}]}',
    'attr not an object': '{"mdev_type":"t","start":"auto","attrs":["a"]}',
    'attr name with a slash': '{"mdev_type":"t","start":"auto","attrs":[{"../../x":"1"}]}',
  };
  for (const [what, text] of Object.entries(bad)) {
    assert.throws(() => parseDeviceConfig(text, '/some/file'), /\/some\/file/, what);
  }
});

test('a start string other than auto/manual is manual, with one warning naming the file and the value (SPEC §8)', () => {
  const warnings: string[] = [];
  const c = parseDeviceConfig('{"mdev_type":"t","start":"sometimes"}', '/some/file', (w) => warnings.push(w));
  assert.equal(c.start, 'manual');
  assert.deepEqual(warnings, ['Start policy "sometimes" in /some/file is neither "auto" nor "manual": read as "manual"']);
  assert.equal(parseDeviceConfig('{"mdev_type":"t","start":"Auto"}', '/some/file').start, 'manual');
});

test('prettyJson keeps object key order even for integer-like keys', () => {
  assert.equal(prettyJson(obj([['b', 1], ['10', []], ['2', obj([])]])), '{\n  "b": 1,\n  "10": [],\n  "2": {}\n}');
  assert.equal(prettyJson([]), '[]');
  assert.equal(prettyJson(['a"\n']), '[\n  "a\\"\\n"\n]');
});
