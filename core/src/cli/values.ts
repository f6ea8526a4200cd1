// Checks and converts option values; a bad value is a usage error (exit 2) naming the option.

import { UsageError } from '../model/errors.js';
import { attributeValueProblem, nameProblem, quoted } from '../model/names.js';
import { parseUuid } from '../model/uuid.js';

export function uuidValue(value: string, flag = '--uuid <UUID>'): string {
  const uuid = parseUuid(value);
  if (uuid === undefined) throw new UsageError(`Invalid value ${quoted(value)} for '${flag}': not a valid UUID`);
  return uuid;
}

export function optionalUuid(value: string | undefined): string | undefined {
  return value === undefined ? undefined : uuidValue(value);
}

/** A parent, type or attribute name: one path component (SPEC §5). */
export function nameValue(value: string, flag: string): string {
  const problem = nameProblem(value);
  if (problem) throw new UsageError(`Invalid value ${quoted(value)} for '${flag}': ${problem}`);
  return value;
}

/** An attribute value (`--value`): one line, no NUL — it becomes one sysfs write. */
export function optionalAttributeValue(value: string | undefined, flag: string): string | undefined {
  const problem = value === undefined ? undefined : attributeValueProblem(value);
  if (problem) throw new UsageError(`Invalid value ${quoted(value ?? '')} for '${flag}': ${problem}`);
  return value;
}

export function optionalName(value: string | undefined, flag: string): string | undefined {
  return value === undefined ? undefined : nameValue(value, flag);
}

export function indexValue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new UsageError(`Invalid value ${quoted(value)} for '--index <INDEX>': not a non-negative integer`);
  }
  return Number(value);
}

/** Fails when more than one of the named options is set. */
export function conflicts(options: Record<string, unknown>): void {
  const set = Object.entries(options).filter(([, v]) => v !== undefined && v !== false);
  if (set.length > 1) {
    throw new UsageError(`The argument '${set[0]?.[0]}' cannot be used with '${set[1]?.[0]}'`);
  }
}

export function requireOne(what: string, options: Record<string, unknown>): void {
  if (!Object.values(options).some((v) => v !== undefined && v !== false)) {
    throw new UsageError(`${what} requires one of ${Object.keys(options).join(', ')}`);
  }
}

export function requiredOption(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`the following required arguments were not provided: ${flag}`);
  return value;
}
