// Parent, type and attribute names become path components under the root; anything that
// could leave its directory is rejected before any file is read or written (SPEC §5). An
// attribute value is one sysfs write, so it is one line. Error messages quote what was given,
// shortened when it is long, so that a hostile value still gives one readable line.

import { MdevctlError } from './errors.js';

export type NameKind = 'parent' | 'type' | 'attribute';

const KIND_TEXT: Record<NameKind, string> = {
  parent: 'parent device name',
  type: 'mdev type name',
  attribute: 'attribute name',
};

/** NAME_MAX of Linux file systems, in bytes. */
export const NAME_MAX = 255;
/** How much of a value an error message quotes. */
const QUOTE_MAX = 64;

/** Why `value` cannot be a single path component, or undefined when it can. */
export function nameProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value === '.' || value === '..') return `'${value}' is not a name`;
  if (value.includes('/')) return "it contains '/'";
  if (value.includes('\0')) return 'it contains a NUL character';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) return 'it contains a control character';
  if (Buffer.byteLength(value) > NAME_MAX) return `it is longer than ${NAME_MAX} bytes`;
  return undefined;
}

/**
 * Why `value` cannot be written to a sysfs attribute as one value, or undefined when it can:
 * a value is one line (a newline would split it into two writes' worth, which no store
 * function takes) and holds no NUL (C strings end there).
 */
export function attributeValueProblem(value: string): string | undefined {
  if (value.includes('\0')) return 'it contains a NUL character';
  if (/[\n\r]/.test(value)) return 'it contains a line break (an attribute value is one line)';
  return undefined;
}

/** `value` as JSON string, cut to its first 64 characters (with the length) when longer. */
export function quoted(value: string): string {
  if (value.length <= QUOTE_MAX) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, QUOTE_MAX))}… (${value.length} characters)`;
}

export function assertName(kind: NameKind, value: string): string {
  const problem = nameProblem(value);
  if (problem) throw new MdevctlError(`Invalid ${KIND_TEXT[kind]} ${quoted(value)}: ${problem}`);
  return value;
}
