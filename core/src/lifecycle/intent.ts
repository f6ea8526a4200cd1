// The intent record: what a mutating command is about to change, written next to the
// definitions lock before the primary action (create stage) and removed once the action and its
// attributes are done or taken back. A record still there when the next command takes the lock
// means its writer died half-way; recovery.ts takes the change back. It lives in run/lock like
// the lock: a tmpfs on real hosts, so it never outlives the boot (a reboot ends every device
// anyway) and is not fsynced — it guards against a killed process, not a power loss.
// One file per command: opened at the first record, each record one write(2) at offset 0 (a
// kill cannot stop a write of a few hundred bytes half-way; only a power loss could, and tmpfs
// does not outlive one), ended by truncating it to nothing (an empty file records nothing), and
// removed when the command lets the lock go. start-parent-mdevs of 1k devices thus does no
// create/rename/unlink per device.

import { closeSync, constants, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRequest, MdevDevice } from '@mdevctl/plugin-sdk';
import { configObject, deviceConfigFromJson } from '../model/device-config.js';
import { isUuidName } from '../model/uuid.js';
import { nameProblem } from '../model/names.js';

export const INTENT_FILE = 'mdevctl.intent';

export interface Intent {
  /** The process that wrote it. */
  readonly pid: number;
  readonly action: CommandRequest['action'];
  /** modify --live: the running device was changed by a call-out; `defined`: stored as well. */
  readonly live: boolean;
  readonly defined: boolean;
  readonly device: MdevDevice;
  /** The definition before the change (modify, undefine). */
  readonly previous?: MdevDevice | undefined;
}

/** What is found at start-up: a record, or why the file there could not be used. */
export type Pending = { readonly intent: Intent } | { readonly problem: string };

const ACTIONS: ReadonlySet<string> = new Set(['define', 'undefine', 'modify', 'start', 'stop']);

const OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;

export class IntentLog {
  readonly path: string;
  private fd: number | undefined;
  /** The open file is known to be empty (ended by this process). */
  private empty = false;

  constructor(dir: string) {
    this.path = join(dir, INTENT_FILE);
  }

  /** Records the intent: one write at the start of the (empty) file. */
  begin(intent: Intent): void {
    const record = {
      pid: intent.pid,
      action: intent.action,
      live: intent.live,
      defined: intent.defined,
      device: deviceJson(intent.device),
      previous: intent.previous ? deviceJson(intent.previous) : null,
    };
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    const fd = this.open();
    if (!this.empty) ftruncateSync(fd, 0); // after end() it is empty already (one syscall a device less)
    this.empty = false;
    writeSync(fd, bytes, 0, bytes.length, 0);
  }

  /** The run is over (done, or taken back): nothing recorded any more. */
  end(): void {
    if (this.fd !== undefined) {
      ftruncateSync(this.fd, 0);
      this.empty = true;
    } else removeFile(this.path);
  }

  /** The command lets the lock go: the (ended) record's file is removed. */
  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.empty = false;
    }
    removeFile(this.path);
  }

  private open(): number {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, OPEN_FLAGS, 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
        // A link planted in its place: removed, never followed.
        removeFile(this.path);
        this.fd = openSync(this.path, OPEN_FLAGS | constants.O_EXCL, 0o644);
      }
    }
    return this.fd;
  }

  /** The record a dead command left, if any. */
  pending(): Pending | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return { problem: `Unable to read ${this.path}: ${(err as Error).message}` };
    }
    if (text === '') return undefined; // ended (its command was killed after that)
    try {
      return { intent: parseIntent(JSON.parse(text)) };
    } catch (err) {
      return { problem: `Ignoring the unusable record ${this.path} of an interrupted command: ${(err as Error).message}` };
    }
  }
}

function deviceJson(d: MdevDevice): Record<string, unknown> {
  return { uuid: d.uuid, parent: d.parent, config: configObject(d) };
}

function parseIntent(value: unknown): Intent {
  const o = record(value, 'record');
  const pid = o['pid'];
  const action = o['action'];
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) throw new Error('bad pid');
  if (typeof action !== 'string' || !ACTIONS.has(action)) throw new Error('bad action');
  const previous = o['previous'] === null || o['previous'] === undefined ? undefined : parseDevice(o['previous']);
  return {
    pid,
    action: action as Intent['action'],
    live: o['live'] === true,
    defined: o['defined'] === true,
    device: parseDevice(o['device']),
    previous,
  };
}

function parseDevice(value: unknown): MdevDevice {
  const o = record(value, 'device');
  const uuid = o['uuid'];
  const parent = o['parent'];
  if (typeof uuid !== 'string' || !isUuidName(uuid)) throw new Error('bad uuid');
  if (typeof parent !== 'string' || nameProblem(parent) !== undefined) throw new Error('bad parent');
  return { uuid, parent, ...deviceConfigFromJson(o['config'], 'the intent record') };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`bad ${what}`);
  return value as Record<string, unknown>;
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
