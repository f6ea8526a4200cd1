// The JSON config of a device, as stored in etc/mdevctl.d and read from --jsonfile:
// {"mdev_type": T, "start": "auto"|"manual", "attrs": [{"name": "value"}, ...]}.
// Hostile input gets one clear error: more than MAX_CONFIG_BYTES, bytes that are not UTF-8,
// bad JSON (deep nesting included) and unsafe names. Multi-line attribute values parse (a stored
// one stays listable and can be deleted); the validate stage refuses to write them anywhere.

import type { Attribute, MdevDevice, StartPolicy } from '@mdevctl/plugin-sdk';
import { MdevctlError } from './errors.js';
import { nameProblem, quoted } from './names.js';

export interface DeviceConfig {
  readonly type: string;
  readonly start: StartPolicy;
  readonly attrs: readonly Attribute[];
}

/** Largest config accepted: a definition is a few hundred bytes; this bounds hostile input. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Config bytes as text: at most MAX_CONFIG_BYTES of strict UTF-8 (a BOM is dropped). */
/** Type names already found good: 10k definitions share a few types (bounded against hostile input). */
const GOOD_TYPES = new Set<string>();

function typeNameProblem(type: string): string | undefined {
  if (GOOD_TYPES.has(type)) return undefined;
  const problem = nameProblem(type);
  if (problem === undefined && GOOD_TYPES.size < 256) GOOD_TYPES.add(type);
  return problem;
}

/** One strict decoder for every file (decode() without `stream` keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function decodeConfig(bytes: Uint8Array, origin: string): string {
  if (bytes.length > MAX_CONFIG_BYTES) {
    throw new MdevctlError(`Invalid device config in ${origin}: larger than ${MAX_CONFIG_BYTES} bytes`);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new MdevctlError(`Invalid device config in ${origin}: not valid UTF-8`);
  }
}

/** Where a parser reports what it accepted but changed (a `start` value it read as `manual`). */
export type ConfigWarning = (message: string) => void;

/** Parses config bytes (decodeConfig, then parseDeviceConfig). */
export function parseDeviceConfigBytes(bytes: Uint8Array, origin: string, warn?: ConfigWarning): DeviceConfig {
  return parseDeviceConfig(decodeConfig(bytes, origin), origin, warn);
}

/** Parses config text; `origin` names the file in error messages. */
export function parseDeviceConfig(text: string, origin: string, warn?: ConfigWarning): DeviceConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's messages quote the input around the error: keep the first line, bounded.
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    throw new MdevctlError(`Invalid JSON in ${origin}: ${detail.length > 200 ? `${detail.slice(0, 200)}…` : detail}${legacyHint(text)}`);
  }
  return deviceConfigFromJson(value, origin, warn);
}

/**
 * A hint for text that is no JSON but mdevctl 0.x's layout (`mdev_type=`/`start=` lines): the
 * command that converts it.
 */
function legacyHint(text: string): string {
  return /^\s*(mdev_type|start)\s*=/m.test(text) ? ' (this is a definition of mdevctl 0.x: convert it with mdevctl import-legacy)' : '';
}

/**
 * A config object. A `start` string other than "auto" or "manual" means "manual", as upstream
 * reads it (SPEC §8), with one warning through `warn` naming the file and the value.
 */
export function deviceConfigFromJson(value: unknown, origin: string, warn?: ConfigWarning): DeviceConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MdevctlError(`Invalid device config in ${origin}: expected a JSON object`);
  }
  const obj = value as Record<string, unknown>;
  const type = obj['mdev_type'];
  if (typeof type !== 'string') {
    throw new MdevctlError(`Invalid device config in ${origin}: "mdev_type" must be a string`);
  }
  const typeProblem = typeNameProblem(type);
  if (typeProblem) {
    throw new MdevctlError(`Invalid device config in ${origin}: "mdev_type" ${quoted(type)}: ${typeProblem}`);
  }
  const given = obj['start'];
  if (typeof given !== 'string') {
    throw new MdevctlError(`Invalid device config in ${origin}: "start" must be "auto" or "manual"`);
  }
  let start: StartPolicy;
  if (given === 'auto' || given === 'manual') start = given;
  else {
    start = 'manual';
    warn?.(`Start policy ${quoted(given)} in ${origin} is neither "auto" nor "manual": read as "manual"`);
  }
  return { type, start, attrs: attributesFromJson(obj['attrs'], origin) };
}

/** Attributes: a list of one-key objects with string values; null or absent means none. */
export function attributesFromJson(value: unknown, origin: string): Attribute[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new MdevctlError(`Invalid device config in ${origin}: "attrs" must be an array`);
  }
  if (value.length === 0) return value as Attribute[]; // JSON.parse's own empty array: nothing to copy
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
      throw new MdevctlError(`Invalid device config in ${origin}: value of attribute ${quoted(name)} must be a string`);
    }
    const problem = nameProblem(name);
    if (problem) {
      throw new MdevctlError(`Invalid device config in ${origin}: attribute name ${quoted(name)}: ${problem}`);
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
