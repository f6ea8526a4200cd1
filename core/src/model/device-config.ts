// The JSON config of a device, as stored in etc/mdevctl.d and read from --jsonfile:
// {"mdev_type": T, "start": "auto"|"manual", "attrs": [{"name": "value"}, ...]}.

import type { Attribute, MdevDevice, StartPolicy } from '@mdevctl/plugin-sdk';
import { MdevctlError } from './errors.js';
import { nameProblem } from './names.js';

export interface DeviceConfig {
  readonly type: string;
  readonly start: StartPolicy;
  readonly attrs: readonly Attribute[];
}

/** Parses config text; `origin` names the file in error messages. */
export function parseDeviceConfig(text: string, origin: string): DeviceConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new MdevctlError(`Invalid JSON in ${origin}: ${detail}`);
  }
  return deviceConfigFromJson(value, origin);
}

export function deviceConfigFromJson(value: unknown, origin: string): DeviceConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MdevctlError(`Invalid device config in ${origin}: expected a JSON object`);
  }
  const obj = value as Record<string, unknown>;
  const type = obj['mdev_type'];
  if (typeof type !== 'string') {
    throw new MdevctlError(`Invalid device config in ${origin}: "mdev_type" must be a string`);
  }
  const typeProblem = nameProblem(type);
  if (typeProblem) {
    throw new MdevctlError(`Invalid device config in ${origin}: "mdev_type" ${JSON.stringify(type)}: ${typeProblem}`);
  }
  const start = obj['start'];
  if (start !== 'auto' && start !== 'manual') {
    throw new MdevctlError(`Invalid device config in ${origin}: "start" must be "auto" or "manual"`);
  }
  return { type, start, attrs: attributesFromJson(obj['attrs'], origin) };
}

/** Attributes: a list of one-key objects with string values; null or absent means none. */
export function attributesFromJson(value: unknown, origin: string): Attribute[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new MdevctlError(`Invalid device config in ${origin}: "attrs" must be an array`);
  }
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new MdevctlError(`Invalid device config in ${origin}: attribute ${i} is not an object`);
    }
    const keys = Object.keys(item);
    if (keys.length !== 1) {
      throw new MdevctlError(`Invalid device config in ${origin}: attribute ${i} must have exactly one name`);
    }
    const name = keys[0] as string;
    const v = (item as Record<string, unknown>)[name];
    if (typeof v !== 'string') {
      throw new MdevctlError(`Invalid device config in ${origin}: value of attribute ${JSON.stringify(name)} must be a string`);
    }
    const problem = nameProblem(name);
    if (problem) {
      throw new MdevctlError(`Invalid device config in ${origin}: attribute name ${JSON.stringify(name)}: ${problem}`);
    }
    return { name, value: v };
  });
}

/** The config object in key order mdev_type, start, attrs (as upstream writes it). */
export function configObject(device: Pick<MdevDevice, 'type' | 'start' | 'attrs'>): Record<string, unknown> {
  return {
    mdev_type: device.type,
    start: device.start,
    attrs: device.attrs.map((a) => ({ [a.name]: a.value })),
  };
}

/** Pretty JSON with 2-space indent and no trailing newline, like serde_json's to_string_pretty. */
export function formatConfig(device: Pick<MdevDevice, 'type' | 'start' | 'attrs'>): string {
  return JSON.stringify(configObject(device), null, 2);
}
