// UUIDs as mdevctl accepts them: any 8-4-4-4-12 (or 32-digit) hex string, stored lower case.

import { createRequire } from 'node:module';

const HYPHENATED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SIMPLE = /^[0-9a-fA-F]{32}$/;

/** The canonical (lower-case, hyphenated) form, or undefined when `text` is not a uuid. */
export function parseUuid(text: string): string | undefined {
  if (HYPHENATED.test(text)) return text.toLowerCase();
  if (SIMPLE.test(text)) {
    const t = text.toLowerCase();
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`;
  }
  return undefined;
}

/** True for a file name that is a hyphenated uuid, in either case (not only the stored lower-case form). */
export function isUuidName(name: string): boolean {
  return HYPHENATED.test(name);
}

/**
 * A random (version 4) uuid, lower case, from the `uuid` package — loaded only then, since it
 * brings node:crypto with it (a start-up cost the commands that make no uuid do not pay).
 */
export function newUuid(): string {
  const require = createRequire(import.meta.url);
  return (require('uuid') as typeof import('uuid')).v4();
}
