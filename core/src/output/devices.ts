// `mdevctl list` output: text lines (with ` (defined)`/` (active)` and -v attributes) and
// --dumpjson, byte for byte as upstream 1.4 prints them (SPEC §3, §8).

import type { MdevDevice } from '@mdevctl/plugin-sdk';
import { obj, prettyJson, type Json } from './json.js';

export interface ListEntry {
  readonly device: MdevDevice;
  /** ` (defined)` on an active listing, ` (active)` on a defined one, when it applies. */
  readonly marker?: '(defined)' | '(active)';
}

export function formatListText(entries: readonly ListEntry[], verbose: boolean): string {
  let out = '';
  for (const { device: d, marker } of entries) {
    out += `${d.uuid} ${d.parent} ${d.type} ${d.start}${marker ? ` ${marker}` : ''}\n`;
    if (verbose && d.attrs.length > 0) {
      out += '  Attrs:\n';
      d.attrs.forEach((a, i) => {
        out += `    @{${i}}: {"${a.name}":"${a.value}"}\n`;
      });
    }
  }
  return out;
}

export function configJson(device: Pick<MdevDevice, 'type' | 'start' | 'attrs'>): Json {
  return obj([
    ['mdev_type', device.type],
    ['start', device.start],
    ['attrs', device.attrs.map((a) => obj([[a.name, a.value]]))],
  ]);
}

/**
 * The JSON listing: `[{"<parent>": [{"<uuid>": config}, …]}]`, `[]` when empty; when the
 * listing was for one uuid and found exactly one device, just that device's config.
 * Ends with one newline.
 */
export function formatListJson(entries: readonly ListEntry[], forOneUuid: boolean): string {
  if (forOneUuid && entries.length === 1) return prettyJson(configJson((entries[0] as ListEntry).device)) + '\n';
  if (entries.length === 0) return '[]\n';
  const parents: Array<[string, Json[]]> = [];
  for (const { device } of entries) {
    let group = parents[parents.length - 1];
    if (!group || group[0] !== device.parent) {
      group = [device.parent, []];
      parents.push(group);
    }
    group[1].push(obj([[device.uuid, configJson(device)]]));
  }
  return prettyJson([obj(parents)]) + '\n';
}
