// What the listing hooks give a plugin: the device or type being listed, and the two ways to add
// to it — a text line (under the entry, indented by core) and a JSON field (in the entry's object).
// Only with `-x/--extended`; the default output is upstream's, byte for byte.

import type { MdevDevice, MdevTypeInfo } from './model.js';

/** A value a plugin may put into a JSON listing. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The two ways to add to one listed entry. */
export interface ListingOutput {
  /** Whether the output is `--dumpjson` (only fields are shown) or text (only lines are shown). */
  readonly json: boolean;
  /**
   * Adds a line under the entry in the text listing. Core indents it like the entry's other
   * lines; a text with newlines becomes several lines.
   */
  line(text: string): void;
  /**
   * Adds a field to the entry's JSON object, after core's own fields. Throws when the name is one
   * of core's fields or another plugin already set it; the value must be JSON (finite numbers).
   */
  field(name: string, value: JsonValue): void;
}

/** One device of `list`/`lsmdev` (running devices) or `list --defined`. */
export interface DeviceListing extends ListingOutput {
  /** The device as listed: for a running device, type from sysfs and attributes from the host. */
  readonly device: MdevDevice;
  /** True for `list --defined` (a definition), false for a running device. */
  readonly defined: boolean;
  /** `-v/--verbose` was given. */
  readonly verbose: boolean;
}

/** One mdev type of one parent in `types`. */
export interface TypeListing extends ListingOutput {
  readonly type: MdevTypeInfo;
}

/** Core's own fields of a listed device's JSON object (with `-x`, `claimed_by` too). */
export const DEVICE_FIELDS: readonly string[] = ['mdev_type', 'start', 'attrs', 'claimed_by'];
/** Core's own fields of a listed type's JSON object. */
export const TYPE_FIELDS: readonly string[] = ['available_instances', 'device_api', 'name', 'description', 'claimed_by'];

/** What plugins added to one listed entry, in order. */
export interface CollectedListing {
  readonly lines: string[];
  readonly fields: Array<readonly [string, JsonValue]>;
}

/**
 * A ListingOutput that collects into `into` (core seeds it with its `claimed_by`): lines split at
 * newlines, fields checked by listingFieldProblem (a refused one throws).
 */
export function collectListing(reserved: readonly string[], json: boolean, into: CollectedListing = { lines: [], fields: [] }): ListingOutput {
  return {
    json,
    line: (text) => void into.lines.push(...String(text).split('\n')),
    field: (name, value) => {
      const problem = listingFieldProblem(name, value, reserved, into.fields.map(([n]) => n));
      if (problem !== undefined) throw new Error(problem);
      into.fields.push([name, value]);
    },
  };
}

/**
 * Why `field(name, value)` is refused, or undefined when it is fine: an empty name, one of
 * core's fields (`reserved`), one already set (`taken`), or a value that is not JSON.
 */
export function listingFieldProblem(
  name: unknown,
  value: unknown,
  reserved: readonly string[],
  taken: readonly string[],
): string | undefined {
  if (typeof name !== 'string' || name === '') return 'a listing field needs a non-empty name';
  if (reserved.includes(name)) return `listing field "${name}" is one of mdevctl's own`;
  if (taken.includes(name)) return `listing field "${name}" is already set`;
  const problem = jsonProblem(value, new Set());
  return problem === undefined ? undefined : `listing field "${name}": ${problem}`;
}

function jsonProblem(value: unknown, seen: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
  if (typeof value !== 'object') return `a ${typeof value} is not a JSON value`;
  if (seen.has(value)) return 'a circular value is not JSON';
  seen.add(value);
  const isPlain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
  if (!isPlain) return 'only plain objects and arrays are JSON';
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    const p = jsonProblem(v, seen);
    if (p !== undefined) return p;
  }
  seen.delete(value);
  return undefined;
}
