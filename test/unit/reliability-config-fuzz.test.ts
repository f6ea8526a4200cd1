// Property-based fuzzing (fast-check) of the definition parser and of name checking (issue 6):
// any bytes give a config or one MdevctlError line — never another exception, a stack, or a
// multi-line message; every config the parser accepts formats back to itself; every name the
// check accepts is one path component. Seed and case counts: test/helpers/fuzz.ts.

import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { MdevctlError, NAME_MAX, formatConfig, nameProblem, parseDeviceConfig, parseDeviceConfigBytes } from 'mdevctl';
import { FUZZ_SEED, fuzzParams } from '../helpers/fuzz.js';

/** Parses, and checks the failure is one clear line. */
function parseOrOneLine(bytes: Uint8Array): void {
  try {
    const c = parseDeviceConfigBytes(bytes, 'fuzz.json');
    assert.equal(nameProblem(c.type), undefined);
    assert.ok(c.start === 'auto' || c.start === 'manual');
    for (const a of c.attrs) {
      assert.equal(nameProblem(a.name), undefined);
      assert.equal(typeof a.value, 'string');
    }
  } catch (err) {
    assert.ok(err instanceof MdevctlError, `not an MdevctlError: ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`);
    assert.ok(err.message.length < 1000, 'a bounded message');
  }
}

/** As plain JSON data (fast-check's records have no prototype). */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

const name = fc.oneof(
  fc.constantFrom('mtty-1', 'assign_adapter', 'a', '.', '..', '../x', 'a/b', '', 'x\ny', 'é', 'n'.repeat(256)),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('1', '0x5', 'x\ny', 'a\u0000b', ''));
const configLike = fc.record(
  {
    mdev_type: fc.oneof(name, fc.jsonValue({ maxDepth: 2 })),
    start: fc.oneof(fc.constantFrom('auto', 'manual', 'AUTO', ''), fc.jsonValue({ maxDepth: 1 })),
    attrs: fc.oneof(
      fc.array(fc.dictionary(name, fc.oneof(value, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 2 }), { maxLength: 4 }),
      fc.jsonValue({ maxDepth: 3 }),
      fc.constant(null),
    ),
  },
  { requiredKeys: [] },
);

test(`fuzz (seed ${FUZZ_SEED}): arbitrary bytes give a config or one MdevctlError line`, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => parseOrOneLine(b)), fuzzParams(3000));
});

test(`fuzz (seed ${FUZZ_SEED}): JSON shaped like a config, and broken copies of it, give a config or one line`, () => {
  const text = fc.tuple(configLike, fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 })).map(([obj, at, cut, junk]) => {
    const json = JSON.stringify(obj);
    const i = json.length === 0 ? 0 : at % json.length;
    return cut === 0 ? json : json.slice(0, i) + junk + json.slice(i + cut - 1);
  });
  fc.assert(fc.property(text, (t) => parseOrOneLine(Buffer.from(t))), fuzzParams(3000));
});

test(`fuzz (seed ${FUZZ_SEED}): every accepted config formats back to itself`, () => {
  const safe = fc.string({ minLength: 1, maxLength: 10 }).filter((s) => nameProblem(s) === undefined);
  const config = fc.record({
    type: safe,
    start: fc.constantFrom('auto' as const, 'manual' as const),
    attrs: fc.array(fc.record({ name: safe, value: fc.string({ maxLength: 10 }) }), { maxLength: 5 }),
  });
  fc.assert(
    fc.property(config, (c) => {
      const text = formatConfig(c);
      assert.deepEqual(plain(parseDeviceConfig(text, 'x')), plain(c));
      assert.equal(formatConfig(parseDeviceConfig(text, 'x')), text);
    }),
    fuzzParams(1000),
  );
});

test(`fuzz (seed ${FUZZ_SEED}): a name the check accepts is exactly one path component`, () => {
  fc.assert(
    fc.property(fc.oneof(name, fc.string({ unit: 'binary', maxLength: 300 })), (n) => {
      if (nameProblem(n) !== undefined) return;
      const p = join('/base/dir', n);
      assert.equal(dirname(p), '/base/dir');
      assert.equal(basename(p), n);
      assert.ok(Buffer.byteLength(n) <= NAME_MAX);
      assert.ok(!/[\u0000-\u001f\u007f]/.test(n));
    }),
    fuzzParams(3000),
  );
});

test('deep nesting (500000 levels) and the size limit: one line, no RangeError', () => {
  for (const text of [
    '['.repeat(500_000) + ']'.repeat(500_000),
    '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000),
    `{"mdev_type":"t","start":"auto","attrs":[{"a":${'['.repeat(300_000)}${']'.repeat(300_000)}}]}`,
    '['.repeat(1_000_000),
    ' '.repeat(1024 * 1024 + 1),
  ]) {
    parseOrOneLine(Buffer.from(text));
  }
});
