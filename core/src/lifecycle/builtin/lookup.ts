// Finding the one definition a command refers to, with upstream's error messages.

import type { Attribute, DefinedDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../../host/host.js';
import { MdevctlError } from '../../model/errors.js';

/** The single definition of uuid (under parent, when given). */
export function definedDevice(host: Host, uuid: string, parent: string | undefined): DefinedDevice {
  const scan = host.store.scan({ uuid, parent });
  const bad = scan.problems[0];
  if (bad) throw new MdevctlError(bad.message);
  const [first, second] = scan.devices;
  if (!first) {
    throw new MdevctlError(`Mediated device ${parent !== undefined ? `${parent}/` : ''}${uuid} is not defined`);
  }
  if (second) throw new MdevctlError(`Multiple definitions found for ${uuid}, specify a parent`);
  return first;
}

/** `@{0}: {"name":"value"}, @{1}: …` — the attribute list on one line. */
export function formatAttrs(attrs: readonly Attribute[]): string {
  return attrs.map((a, i) => `@{${i}}: {"${a.name}":"${a.value}"}`).join(', ');
}
