// `mdevctl list` output: text lines (with ` (defined)`/` (active)` and -v attributes) and
// --dumpjson, byte for byte as upstream 1.4 prints them (SPEC §3, §8); with -x, each entry's
// extra lines (indented under it) and JSON fields (after the config's own). Text never gains a
// line or a terminal escape from the data (escape.ts).

import type { MdevDevice } from '@mdevctl/plugin-sdk';
import { obj, prettyJson, type Json } from './json.js';
import type { ListingExtra } from './extras.js';
import { textSafe } from './escape.js';

export interface ListEntry {
  readonly device: MdevDevice;
  /** ` (defined)` on an active listing, ` (active)` on a defined one, when it applies. */
  readonly marker?: '(defined)' | '(active)';
  /** With -x/--extended: what core and plugins add. */
  readonly extra?: ListingExtra;
}

export function formatListText(entries: readonly ListEntry[], verbose: boolean): string {
  let out = '';
  for (const { device: d, marker, extra } of entries) {
    out += `${textSafe(d.uuid)} ${textSafe(d.parent)} ${textSafe(d.type)} ${textSafe(d.start)}${marker ? ` ${marker}` : ''}\n`;
    if (verbose && d.attrs.length > 0) {
      out += '  Attrs:\n';
      d.attrs.forEach((a, i) => {
        out += `    @{${i}}: {"${textSafe(a.name)}":"${textSafe(a.value)}"}\n`;
      });
    }
    for (const line of extra?.lines ?? []) out += `  ${textSafe(line)}\n`;
  }
  return out;
}

export function configJson(device: Pick<MdevDevice, 'type' | 'start' | 'attrs'>, extra?: ListingExtra): Json {
  return obj([
    ['mdev_type', device.type],
    ['start', device.start],
    ['attrs', device.attrs.map((a) => obj([[a.name, a.value]]))],
    ...(extra?.fields ?? []),
  ]);
}

/**
 * The JSON listing: `[{"<parent>": [{"<uuid>": config}, …]}]`, `[]` when empty; when the
 * listing was for one uuid and found exactly one device, just that device's config.
 * Ends with one newline.
 */
export function formatListJson(entries: readonly ListEntry[], forOneUuid: boolean): string {
  if (forOneUuid && entries.length === 1) {
    const only = entries[0] as ListEntry;
    return prettyJson(configJson(only.device, only.extra)) + '\n';
  }
  if (entries.length === 0) return '[]\n';
  const fast = plainListing(entries);
  if (fast !== undefined) {
    const out = JSON.stringify(fast, null, 2);
    if (!out.includes('\\ud')) return out + '\n';
  }
  const parents: Array<[string, Json[]]> = [];
  for (const { device, extra } of entries) {
    let group = parents[parents.length - 1];
    if (!group || group[0] !== device.parent) {
      group = [device.parent, []];
      parents.push(group);
    }
    group[1].push(obj([[device.uuid, configJson(device, extra)]]));
  }
  return prettyJson([obj(parents)]) + '\n';
}

/** Keys a JS object would not keep in insertion order (integer-like ones come first) or cannot hold. */
const UNSAFE_KEY = /^(?:0|[1-9][0-9]*|__proto__)$/;

/**
 * The JSON listing as plain arrays and objects in one pass, for node's own JSON.stringify (the
 * same text as prettyJson: 2 spaces, `[]`/`{}`, the same string escapes): a fraction of the time
 * at 10k devices. undefined when it cannot give the same text: -x fields, or a key an object
 * would not keep in place (like an integer, `__proto__`, repeated). Objects keyed by data have no
 * prototype: V8 keeps them as dictionaries, not a hidden class per uuid.
 */
function plainListing(entries: readonly ListEntry[]): unknown[] | undefined {
  const parents = Object.create(null) as Record<string, unknown[]>;
  let group: unknown[] = [];
  let current: string | undefined;
  for (const { device: d, extra } of entries) {
    if (extra !== undefined) return undefined;
    if (d.parent !== current) {
      if (UNSAFE_KEY.test(d.parent) || Object.hasOwn(parents, d.parent)) return undefined;
      current = d.parent;
      group = [];
      parents[current] = group;
    }
    const attrs: unknown[] = [];
    for (const a of d.attrs) {
      if (UNSAFE_KEY.test(a.name)) return undefined;
      const attr = Object.create(null) as Record<string, string>;
      attr[a.name] = a.value;
      attrs.push(attr);
    }
    if (UNSAFE_KEY.test(d.uuid)) return undefined;
    const item = Object.create(null) as Record<string, unknown>;
    item[d.uuid] = { mdev_type: d.type, start: d.start, attrs };
    group.push(item);
  }
  return [parents];
}
