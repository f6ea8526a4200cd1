// `mdevctl types` output, text and --dumpjson, byte for byte as upstream 1.4 prints it.

import type { MdevTypeInfo } from '@mdevctl/plugin-sdk';
import { obj, prettyJson, type Json } from './json.js';

export type TypeGroups = ReadonlyArray<readonly [string, readonly MdevTypeInfo[]]>;

export function formatTypesText(groups: TypeGroups): string {
  let out = '';
  for (const [parent, types] of groups) {
    out += `${parent}\n`;
    for (const t of types) {
      out += `  ${t.type}\n    Available instances: ${t.availableInstances}\n    Device API: ${t.deviceApi}\n`;
      if (t.name) out += `    Name: ${t.name}\n`;
      if (t.description) out += `    Description: ${t.description}\n`;
    }
  }
  return out;
}

export function formatTypesJson(groups: TypeGroups): string {
  if (groups.length === 0) return '[]\n';
  const parents = groups.map(([parent, types]): [string, Json] => [
    parent,
    types.map((t) => {
      const fields: Array<[string, Json]> = [
        ['available_instances', t.availableInstances],
        ['device_api', t.deviceApi],
      ];
      if (t.name) fields.push(['name', t.name]);
      if (t.description) fields.push(['description', t.description]);
      return obj([[t.type, obj(fields)]]);
    }),
  ]);
  return prettyJson([obj(parents)]) + '\n';
}
