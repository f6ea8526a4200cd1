// `mdevctl types` output, text and --dumpjson, byte for byte as upstream 1.4 prints it; with -x,
// each type's extra lines (indented like its own) and JSON fields (after its own). Text never
// gains a line or a terminal escape from sysfs or plugin data (escape.ts).

import type { MdevTypeInfo } from '@mdevctl/plugin-sdk';
import { obj, prettyJson, type Json } from './json.js';
import type { ListingExtra } from './extras.js';
import { textSafe } from './escape.js';

export type TypeGroups = ReadonlyArray<readonly [string, readonly MdevTypeInfo[]]>;
/** With -x/--extended: what core and plugins add to each listed type. */
export type TypeExtras = ReadonlyMap<MdevTypeInfo, ListingExtra>;

export function formatTypesText(groups: TypeGroups, extras?: TypeExtras): string {
  let out = '';
  for (const [parent, types] of groups) {
    out += `${textSafe(parent)}\n`;
    for (const t of types) {
      out += `  ${textSafe(t.type)}\n    Available instances: ${t.availableInstances}\n    Device API: ${textSafe(t.deviceApi)}\n`;
      if (t.name) out += `    Name: ${textSafe(t.name)}\n`;
      if (t.description) out += `    Description: ${textSafe(t.description)}\n`;
      for (const line of extras?.get(t)?.lines ?? []) out += `    ${textSafe(line)}\n`;
    }
  }
  return out;
}

export function formatTypesJson(groups: TypeGroups, extras?: TypeExtras): string {
  if (groups.length === 0) return '[]\n';
  const parents = groups.map(([parent, types]): [string, Json] => [
    parent,
    types.map((t) => {
      const fields: Array<readonly [string, Json]> = [
        ['available_instances', t.availableInstances],
        ['device_api', t.deviceApi],
      ];
      if (t.name) fields.push(['name', t.name]);
      if (t.description) fields.push(['description', t.description]);
      fields.push(...(extras?.get(t)?.fields ?? []));
      return obj([[t.type, obj(fields)]]);
    }),
  ]);
  return prettyJson([obj(parents)]) + '\n';
}
