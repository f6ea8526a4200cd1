// What data may put into our output. Names, types, attribute values and descriptions come from
// files anyone with write access to a parent dir, a driver or a call-out controls; a reader of
// the output (libvirt, a script, a terminal) must never see lines or terminal escapes the data
// made up. Text output: each control character (C0 but tab, DEL, C1, U+2028/U+2029) is written as
// a visible escape — `\n`, `\r`, `\0`, else `\u{1b}` (Rust's escape_debug notation) — and a lone
// surrogate as U+FFFD. Everything else (the ordinary case) is left byte for byte as it is.
// JSON output: JSON.stringify already escapes control characters; a lone surrogate, which it
// would write as a `\ud800` escape that strict UTF-8 parsers reject, becomes U+FFFD.

/** Quick test: anything textSafe might change (surrogate pairs included; those stay). */
const MAYBE_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/;
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ANY_SURROGATE = /[\ud800-\udfff]/;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\0': '\\0' };

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  return SHORT[c] ?? `\\u{${code.toString(16)}}`;
}

/** `text` as one line of text output: control characters escaped, lone surrogates replaced. */
export function textSafe(text: string): string {
  return MAYBE_UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}

/** `text` with every lone surrogate replaced by U+FFFD (valid UTF-8 once encoded). */
export function wellFormed(text: string): string {
  return ANY_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}
