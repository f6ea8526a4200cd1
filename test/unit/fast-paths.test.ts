// The fast paths of issue 7 against the plain code they replace: byte order of names without
// Buffers, pretty JSON written into one array, and a definition looked up by uuid without
// listing its parent's dir (start, stop and start-parent-mdevs do it once per device).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { HostPaths, Host, StderrLogger, obj, prettyJson, type Json } from 'mdevctl';
import { REPO, tempDir } from '../helpers/cli.js';

const { compareBytes } = (await import(join(REPO, 'core/dist/model/order.js'))) as {
  compareBytes: (a: string, b: string) => number;
};

interface Device {
  uuid: string;
  parent: string;
  type: string;
  start: 'auto' | 'manual';
  attrs: Array<{ name: string; value: string }>;
}

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }), // any code point, astral ones too
  fc.string({ unit: fc.integer({ min: 0xd700, max: 0xffff }).map((c) => String.fromCharCode(c)) }), // lone surrogates, U+E000…
);

test('compareBytes orders as the UTF-8 bytes do, for any strings', () => {
  fc.assert(
    fc.property(anyString, anyString, (a, b) => {
      const want = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      assert.equal(Math.sign(compareBytes(a, b)), want, JSON.stringify([a, b]));
    }),
    { numRuns: 2000 },
  );
  assert.ok(compareBytes('\uffff', '\u{10000}') < 0, 'U+FFFF sorts before an astral code point (UTF-16 says after)');
});

/** A string with each lone surrogate as U+FFFD (the output is always valid UTF-8). */
const wellFormedRef = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** The recursive prettyJson as it was (lone surrogates made U+FFFD): the reference for the output's bytes. */
function reference(value: Json, indent = ''): string {
  if (typeof value === 'string') return JSON.stringify(wellFormedRef(value));
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + reference(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value.entries.length === 0) return '{}';
  const lines = value.entries.map(([k, v]) => `${inner}${JSON.stringify(wellFormedRef(k))}: ${reference(v, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

test('prettyJson writes what the recursive version wrote, for any JSON', () => {
  const { json } = fc.letrec<{ json: Json }>((tie) => ({
    json: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      anyString,
      fc.array(tie('json')),
      fc.array(fc.tuple(anyString, tie('json'))).map((entries) => obj(entries)),
    ),
  }));
  fc.assert(
    fc.property(json, fc.constantFrom('', '  ', '    '), (value, indent) => {
      assert.equal(prettyJson(value, indent), reference(value, indent));
    }),
    { numRuns: 1000 },
  );
});

test('the JSON listing (plain objects through JSON.stringify) is the text prettyJson writes, for any devices', async () => {
  const { formatListJson, configJson } = (await import(join(REPO, 'core/dist/output/devices.js'))) as {
    formatListJson(entries: ReadonlyArray<{ device: Device }>, forOneUuid: boolean): string;
    configJson(device: Device): Json;
  };
  // Keys an object would reorder or refuse, besides any string.
  const key = fc.oneof(anyString, fc.constantFrom('0', '1', '2', '9', '10', '01', '4294967295', '__proto__', 'constructor', 'mdev_type'));
  const device = fc.record({
    uuid: key,
    parent: fc.oneof(key, fc.constantFrom('mtty', 'mdpy')),
    type: anyString,
    start: fc.constantFrom('auto', 'manual'),
    attrs: fc.array(fc.record({ name: key, value: anyString }), { maxLength: 3 }),
  });
  const integerParents = ['10', '9', '__proto__'].map((parent) => ({ uuid: `u${parent}`, parent, type: 't', start: 'auto' as const, attrs: [] }));
  fc.assert(
    fc.property(fc.array(device, { maxLength: 8 }), (devices) => {
      // As the listing gives them: grouped by parent.
      const entries = [...devices].sort((a, b) => compareBytes(a.parent, b.parent)).map((d) => ({ device: d }));
      const parents: Array<[string, Json[]]> = [];
      for (const { device: d } of entries) {
        if (parents[parents.length - 1]?.[0] !== d.parent) parents.push([d.parent, []]);
        parents[parents.length - 1]?.[1].push(obj([[d.uuid, configJson(d)]]));
      }
      const want = entries.length === 0 ? '[]\n' : reference([obj(parents)]) + '\n';
      assert.equal(formatListJson(entries, false), want);
    }),
    { numRuns: 1000, examples: [[integerParents]] },
  );
});

test('scan of one uuid finds what a full scan finds for it: devices, problems, other parents, odd entries', () => {
  const { dir: root, cleanup } = tempDir('mdevctl-scan-');
  try {
    const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
    const V = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
    const W = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
    const base = join(root, 'etc/mdevctl.d');
    const def = (parent: string, name: string, text = '{"mdev_type": "t", "start": "manual", "attrs": []}') => {
      mkdirSync(join(base, parent), { recursive: true });
      writeFileSync(join(base, parent, name), text);
    };
    def('mtty', U);
    def('mdpy', U); // the same uuid under another parent
    def('mtty', V, '{not json');
    def('mbochs', V);
    mkdirSync(join(base, 'mbochs', W)); // a dir where a definition should be
    symlinkSync('/nonexistent', join(base, 'mdpy', W)); // dangling
    def('mtty', U.toUpperCase());
    def('mtty', '.hidden');
    writeFileSync(join(base, 'not-a-parent'), '');
    mkdirSync(join(base, 'scripts.d/callouts'), { recursive: true });
    const host = new Host(new HostPaths(root), new StderrLogger('error', () => {}));
    const full = host.store.scan();
    for (const uuid of [U, V, W, U.toUpperCase(), '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f09', '.hidden', 'nope']) {
      for (const parent of [undefined, 'mtty', 'mdpy', 'absent', 'not-a-parent']) {
        const want = {
          devices: full.devices.filter((d) => d.uuid === uuid && (parent === undefined || d.parent === parent)),
          problems: full.problems.filter(
            (p) => basename(p.path) === uuid && (parent === undefined || basename(join(p.path, '..')) === parent),
          ),
        };
        assert.deepEqual(host.store.scan({ uuid, parent }), want, `scan({uuid: ${uuid}, parent: ${parent}})`);
      }
    }
  } finally {
    cleanup();
  }
});
