// Parent, type and attribute names become path components under the root; anything that
// could leave its directory is rejected before any file is read or written (SPEC §5).

import { MdevctlError } from './errors.js';

export type NameKind = 'parent' | 'type' | 'attribute';

const KIND_TEXT: Record<NameKind, string> = {
  parent: 'parent device name',
  type: 'mdev type name',
  attribute: 'attribute name',
};

/** Why `value` cannot be a single path component, or undefined when it can. */
export function nameProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value === '.' || value === '..') return `'${value}' is not a name`;
  if (value.includes('/')) return "it contains '/'";
  if (value.includes('\0')) return 'it contains a NUL character';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) return 'it contains a control character';
  if (Buffer.byteLength(value) > 255) return 'it is longer than 255 bytes';
  return undefined;
}

export function assertName(kind: NameKind, value: string): string {
  const problem = nameProblem(value);
  if (problem) throw new MdevctlError(`Invalid ${KIND_TEXT[kind]} ${JSON.stringify(value)}: ${problem}`);
  return value;
}
