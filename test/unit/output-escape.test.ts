// Unit: what data may put into output (core/src/output/escape.ts): ordinary text is left as it
// is, byte for byte; control characters become visible escapes; lone surrogates become U+FFFD,
// in text and in pretty JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { obj, prettyJson, textSafe, wellFormed } from 'mdevctl';

test('textSafe leaves ordinary text alone (non-ASCII, emoji pairs, tab, quotes, backslashes)', () => {
  for (const s of ['', 'mtty-1', 'i915-GVTg_V5_4', 'low_gm_size: 128MB, fence: 4', 'é ü 日本 \ud83d\ude00', 'a\tb', '{"a":"b\\n"}']) {
    assert.equal(textSafe(s), s);
  }
});

test('textSafe escapes every line break and terminal control', () => {
  assert.equal(textSafe('a\nb\rc\0d'), 'a\\nb\\rc\\0d');
  assert.equal(textSafe('\u001b[2J\u0007\u007f\u0085\u009b\u2028\u2029\u000b\u000c'), '\\u{1b}[2J\\u{7}\\u{7f}\\u{85}\\u{9b}\\u{2028}\\u{2029}\\u{b}\\u{c}');
  assert.equal(textSafe('x\ud800y\udc00z\ud83d\ude00'), 'x\ufffdy\ufffdz\ud83d\ude00');
  for (let c = 0; c < 0xa0; c++) {
    const out = textSafe(`<${String.fromCharCode(c)}>`);
    assert.doesNotMatch(out, /[\n\r\u001b\u0085\u009b]/, `U+${c.toString(16)}`);
  }
});

test('wellFormed and prettyJson: no lone surrogate survives, pairs do', () => {
  assert.equal(wellFormed('a\ud800'), 'a\ufffd');
  assert.equal(wellFormed('\udfff\ud83d\ude00\ud83d'), '\ufffd\ud83d\ude00\ufffd');
  const text = prettyJson(obj([['k\udc00', ['v\ud800', 'ok \ud83d\ude00']]]));
  assert.equal(text, '{\n  "k\ufffd": [\n    "v\ufffd",\n    "ok \ud83d\ude00"\n  ]\n}');
  assert.doesNotMatch(text, /\\ud[89a-f]/i);
});
