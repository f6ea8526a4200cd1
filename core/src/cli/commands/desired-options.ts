// The options apply, diff and assert share (the file, --prune, --json, --wait-parents), and how
// they fail: with --json, one JSON object on stdout for every outcome — {"changed", "actions",
// "error"} on a failure, the error being the lines written on stderr.

import { Option } from 'clipanion';
import { UsageError, messageOf } from '../../model/errors.js';
import { DesiredStateError } from '../../desired/service.js';
import { formatErrorJson } from '../../desired/format.js';

export const FILE_DETAILS =
  'FILE is a desired-state file (YAML or JSON): explicit devices (name or uuid, parent, type, start, active, attrs) and counted requests (type or typeName, count, parents by list, pattern or driver, placement spread, pack or one-type-per-parent). Every device gets a uuid derived from the file\'s name and the device\'s name (version 5), so applying the file again never changes a uuid; only devices the file manages are ever changed.';

export const fileOption = () => Option.String({ name: 'FILE', required: true });
export const pruneOption = (verb: string) =>
  Option.Boolean('--prune', false, { description: `${verb} managed devices the file no longer lists (never devices it does not manage)` });
export const jsonOption = () =>
  Option.Boolean('--json', false, { description: 'Print {"changed": ..., "actions": [...]} as JSON (with "error" when the command fails)' });
export const waitOption = () =>
  Option.String('--wait-parents', { description: "Wait up to this many seconds for the file's parents to be registered first (boot ordering)" });

/** --wait-parents: a number of seconds from 0 to one day. */
export function waitSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 86400) {
    throw new UsageError(`--wait-parents <SECONDS>: ${JSON.stringify(value)} is not a number of seconds from 0 to 86400`);
  }
  return n;
}

/** What a failed apply/diff/assert prints: the JSON object (with --json), and its exit status. */
export function desiredFailure(
  err: unknown,
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
  json: boolean,
  status: number,
  extra: Record<string, unknown> = {},
): number {
  const usage = err instanceof UsageError;
  const failed = DesiredStateError.of(err, undefined);
  const message = usage ? messageOf(err) : failed.message;
  if (json) io.stdout.write(formatErrorJson(failed.plan, failed.changed, message, extra));
  if (usage) {
    io.stderr.write(`error: ${message}\n`);
    return 2;
  }
  for (const line of message.split('\n')) io.stderr.write(`Error: ${line}\n`);
  return status;
}
