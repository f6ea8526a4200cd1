// The intent record: what a mutating command is about to change, written next to the
// definitions lock before the primary action (the create stage; for modify --live before the
// live stage, which changes the running device first) and ended once the action and its
// attributes are done or taken back (transaction.ts begins and ends it). A record still there
// when the next command takes the lock means its writer died half-way; recovery.ts takes the change back. It lives in run/mdevctl like
// the lock (host/run-dir.ts: only this user writes there): a tmpfs on real hosts, so it never
// outlives the boot (a reboot ends every device anyway) and is not fsynced — it guards against a
// killed process, not a power loss.
// One file per command: created (O_EXCL, never through a link) at the first record, each record
// written whole at offset 0 (a kill cannot stop a write of a few hundred bytes half-way; only a
// power loss could, and tmpfs does not outlive one), ended by truncating it to nothing (an empty
// file records nothing), and removed when the command lets the lock go. start-parent-mdevs of 1k
import { MdevctlError, describeOsError } from '../model/errors.js';
// devices thus does no create/rename/unlink per device.
// A record is read only when it is a regular file of this user, at most MAX_RECORD_BYTES, opened
// without following links or blocking; one whose writer (pid and start time) is still running
// cannot be an interrupted command's. Anything else is reported in one line and removed.

import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRequest, MdevDevice } from '@mdevctl/plugin-sdk';
import { MAX_CONFIG_BYTES, configObject, deviceConfigFromJson } from '../model/device-config.js';
import { discardPath as discard } from '@mdevctl/plugin-sdk';
import { effectiveUid } from '../host/run-dir.js';
import { writeAll } from '@mdevctl/plugin-sdk';
import { isUuidName } from '../model/uuid.js';
import { nameProblem } from '../model/names.js';

export const INTENT_FILE = 'mdevctl.intent';

export interface Intent {
  /** The process that wrote it. */
  readonly pid: number;
  /** Its start time (/proc/PID/stat field 22), when known: tells a live writer from a recycled pid. */
  readonly started?: string | undefined;
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

const CREATE_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** A record holds two definitions at most (the device and the previous one), plus a little. */
export const MAX_RECORD_BYTES = 2 * MAX_CONFIG_BYTES + 64 * 1024;

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22); undefined when unknown. */
export function processStart(pid: number | 'self'): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

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
      started: intent.started ?? (intent.pid === process.pid ? ownStart() : undefined) ?? null,
      action: intent.action,
      live: intent.live,
      defined: intent.defined,
      device: deviceJson(intent.device),
      previous: intent.previous ? deviceJson(intent.previous) : null,
    };
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    try {
      const fd = this.open();
      if (!this.empty) ftruncateSync(fd, 0); // after end() it is empty already (one syscall a device less)
      this.empty = false;
      writeAll(fd, bytes, 0);
    } catch (err) {
      // A full run dir (ENOSPC) is named, so that the admin knows which file system to look at.
      throw new MdevctlError(`Unable to write the crash-recovery record ${this.path}: ${describeOsError(err)}`, { cause: err });
    }
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
        this.fd = openSync(this.path, CREATE_FLAGS, 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // An ended record (or whatever else is there): removed, never opened or followed.
        discard(this.path);
        this.fd = openSync(this.path, CREATE_FLAGS, 0o600);
      }
    }
    return this.fd;
  }

  /** An unusable record: whatever is in its place goes (a later command starts clean). */
  discard(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    discard(this.path);
  }

  /** The record a dead command left, if any. */
  pending(): Pending | undefined {
    const unusable = (why: string): Pending => ({ problem: `Ignoring the unusable record ${this.path} of an interrupted command: ${why}` });
    let fd: number;
    try {
      fd = openSync(this.path, READ_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return unusable(code === 'ELOOP' ? 'it is a symbolic link' : `unable to read it: ${(err as Error).message}`);
    }
    let text: string;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return unusable('it is not a regular file');
      const uid = effectiveUid();
      if (st.uid !== uid) return unusable(`it is owned by uid ${st.uid}, not ${uid}`);
      if (st.size > MAX_RECORD_BYTES) return unusable(`it is ${st.size} bytes long (at most ${MAX_RECORD_BYTES})`);
      const buf = Buffer.alloc(st.size);
      let n = 0;
      while (n < buf.length) {
        const got = readSync(fd, buf, n, buf.length - n, n);
        if (got === 0) break;
        n += got;
      }
      text = buf.subarray(0, n).toString('utf8');
    } catch (err) {
      return unusable(`unable to read it: ${(err as Error).message}`);
    } finally {
      closeSync(fd);
    }
    if (text === '') return undefined; // ended (its command was killed after that)
    let intent: Intent;
    try {
      intent = parseIntent(JSON.parse(text));
    } catch (err) {
      return unusable((err as Error).message);
    }
    const writer = writerProblem(intent);
    return writer === undefined ? { intent } : unusable(writer);
  }
}

/** Why the record's pid cannot be a command that died while writing it; undefined when it can. */
function writerProblem(intent: Intent): string | undefined {
  if (intent.pid === process.pid) return `it names this process (pid ${intent.pid})`;
  const now = processStart(intent.pid);
  if (now === undefined) return undefined; // gone: the writer died
  if (intent.started !== undefined) {
    return now === intent.started ? `its writer, pid ${intent.pid}, is still running` : undefined; // else a recycled pid
  }
  return `pid ${intent.pid} is running and the record names no start time to tell it from its writer`;
}

let ownStartTime: string | undefined | null = null;

/** This process's start time, read once. */
function ownStart(): string | undefined {
  if (ownStartTime === null) ownStartTime = processStart('self');
  return ownStartTime;
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
  const started = o['started'];
  if (started !== undefined && started !== null && (typeof started !== 'string' || !/^[0-9]{1,20}$/.test(started))) throw new Error('bad start time');
  const previous = o['previous'] === null || o['previous'] === undefined ? undefined : parseDevice(o['previous']);
  return {
    pid,
    started: typeof started === 'string' ? started : undefined,
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
