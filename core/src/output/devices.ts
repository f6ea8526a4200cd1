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
