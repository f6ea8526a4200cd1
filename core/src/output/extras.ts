// What `-x/--extended` adds to one listed device or type: core's `Claimed by` (which loaded
// plugins claim it) and the lines and JSON fields plugins add through the listing hooks.

import { collectListing, type CollectedListing, type JsonValue, type ListingOutput } from '@mdevctl/plugin-sdk';
import { obj, type Json } from './json.js';

export interface ListingExtra {
  readonly lines: readonly string[];
  readonly fields: ReadonlyArray<readonly [string, Json]>;
}

/**
 * A fresh collector for one entry. Core's `claimed_by` comes first (a line only when some plugin
 * claims the entry, the field always); plugins' additions follow through `output`.
 */
export function extraCollector(
  reserved: readonly string[],
  json: boolean,
  claimedBy: readonly string[],
): { output: ListingOutput; extra: ListingExtra } {
  // The SDK's collector (the test harness uses the same), seeded with core's `claimed_by`; each
  // accepted field is also kept as our ordered JSON, as it was when given.
  const collected: CollectedListing = {
    lines: claimedBy.length > 0 ? [`Claimed by: ${claimedBy.join(', ')}`] : [],
    fields: [['claimed_by', [...claimedBy]]],
  };
  const fields: Array<readonly [string, Json]> = [['claimed_by', [...claimedBy]]];
  const checked = collectListing(reserved, json, collected);
  const output: ListingOutput = {
    json,
    line: (text) => checked.line(text),
    field(name: string, value: JsonValue): void {
      checked.field(name, value);
      fields.push([name, toJson(value)]);
    },
  };
  return { output, extra: { lines: collected.lines, fields } };
}

/** A checked JSON value as our ordered JSON (object keys in insertion order). */
function toJson(value: JsonValue): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: JsonValue) => toJson(v));
  return obj(Object.entries(value as Record<string, JsonValue>).map(([k, v]) => [k, toJson(v)] as const));
}
