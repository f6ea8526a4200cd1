// Which devices a desired-state file (or its profile) manages: the record
// var/lib/mdevctl/desired/<namespace>.json under the environment root, kept per the file's
// namespace, or per its profile's (files that replace each other on a host share one record).
// It lists every device an apply defined or took over (key, uuid, parent; the file's name in a
// profile). An entry is believed only when its key derives to its uuid under the file's
// namespace (a profile's files' namespaces all derive from the profile's), or names the uuid it
// took over (`uuid/<uuid>`); only derived entries are ever removed by --prune — a device taken
// over by uuid is released (forgotten, left defined and running), since nothing proves it was
// ours. So a hand-edited record can never widen what prune removes.
// The record is rewritten only when it changes (atomically: temp file, fsync, rename), restored
// byte for byte when an apply fails, read with the same bound it is written with (a record that
// would not fit is refused before anything is written), and used only when it and its dir are
// this user's and writable by nobody else.

import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { writeAll } from '@mdevctl/plugin-sdk';
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { effectiveUid } from '../host/run-dir.js';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { isUuidName } from '../model/uuid.js';
import { RootConfinement } from '../store/confine.js';
import { derivedUuid, profileFileNamespace } from './keys.js';

export interface ManagedDevice {
  readonly key: string;
  readonly uuid: string;
  readonly parent: string;
  /** In a profile's record: the name of the file whose namespace the key derives under. */
  readonly file?: string;
}

export const LEDGER_DIR = 'var/lib/mdevctl/desired';
/** The largest record read, and so the largest written (an apply that needs more is refused). */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

/** The record as read: the entries believed, and its bytes (to restore it byte for byte). */
export interface RecordState {
  readonly devices: ManagedDevice[];
  readonly bytes: Buffer | undefined;
}

/** Only a device whose uuid its key derives to is provably the file's (or profile's) own. */
export function removable(d: ManagedDevice): boolean {
  return !d.key.startsWith('uuid/');
}

export class Ledger {
  readonly path: string;
  private readonly dir: string;
  private readonly confinement: RootConfinement;

  /** `profile`: the record is a profile's (entries name their file); `namespace` is then the profile's. */
  constructor(
    paths: HostPaths,
    private readonly namespace: string,
    private readonly profile?: string,
  ) {
    this.dir = join(paths.root, LEDGER_DIR);
    this.path = join(this.dir, `${namespace}.json`);
    this.confinement = new RootConfinement(paths.root);
  }

  /** The devices recorded (none when there is no record yet); a bad or unsafe record throws. */
  read(): RecordState {
    this.confinement.assertInside(this.path);
    const bytes = this.readBytes();
    if (bytes === undefined) return { devices: [], bytes };
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new MdevctlError(`${this.path} is not valid JSON (damaged, or not written by mdevctl); nothing was changed. It records which devices the file manages: repair it or restore it from a backup`);
    }
    const list = (value as { devices?: unknown } | null)?.devices;
    if (!Array.isArray(list)) throw new MdevctlError(`${this.path}: no "devices" list; nothing was changed (repair it or restore it from a backup)`);
    return { devices: list.filter((d): d is ManagedDevice => this.trusted(d)).map((d) => this.entry(d)), bytes };
  }

  private readBytes(): Buffer | undefined {
    this.checkSafe(this.dir, true);
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MdevctlError(`Unable to read ${this.path}: ${describeOsError(err)}`);
    }
    try {
      const st = fstatSync(fd);
      this.refuseUnsafe(this.path, fileProblem(st));
      if (st.size > MAX_RECORD_BYTES) {
        throw new MdevctlError(`${this.path} is larger than ${MAX_RECORD_BYTES} bytes, more than mdevctl ever writes; nothing was changed (restore it from a backup)`);
      }
      const buf = Buffer.allocUnsafe(st.size + 1);
      let total = 0;
      while (total < buf.length) {
        const n = readSync(fd, buf, total, buf.length - total, null);
        if (n === 0) break;
        total += n;
      }
      if (total > st.size) throw new MdevctlError(`${this.path} grew while it was read; nothing was changed`);
      return buf.subarray(0, total);
    } catch (err) {
      if (err instanceof MdevctlError) throw err;
      throw new MdevctlError(`Unable to read ${this.path}: ${describeOsError(err)}`);
    } finally {
      closeSync(fd);
    }
  }

  /** The record and its dir must be this user's, writable by nobody else (like run/mdevctl). */
  private checkSafe(path: string, dir: boolean): void {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new MdevctlError(`Unable to read ${path}: ${describeOsError(err)}`);
    }
    this.refuseUnsafe(path, dir ? dirProblem(st) : fileProblem(st));
  }

  private refuseUnsafe(path: string, problem: string | undefined): void {
    if (problem !== undefined) {
      throw new MdevctlError(`Refusing to use ${path}: it ${problem}; it records which devices desired-state files manage (fix it as root)`);
    }
  }

  /** Well-formed, and its key derives to its uuid (or names it). */
  private trusted(d: unknown): boolean {
    const e = d as Partial<ManagedDevice> | null;
    if (typeof e?.key !== 'string' || typeof e.uuid !== 'string' || typeof e.parent !== 'string') return false;
    if (!isUuidName(e.uuid) || e.parent === '' || e.parent.includes('/')) return false;
    if (e.key === `uuid/${e.uuid}`) return true;
    if (!e.key.startsWith('device/') && !e.key.startsWith('request/')) return false;
    if (this.profile === undefined) return derivedUuid(this.namespace, e.key) === e.uuid;
    return typeof e.file === 'string' && e.file !== '' && derivedUuid(profileFileNamespace(this.namespace, e.file), e.key) === e.uuid;
  }

  private entry(d: ManagedDevice): ManagedDevice {
    const base = { key: d.key, uuid: d.uuid, parent: d.parent };
    return this.profile !== undefined && d.file !== undefined ? { ...base, file: d.file } : base;
  }

  /** The record's text for these devices; refused (before anything is written) when too big to read back. */
  text(devices: readonly ManagedDevice[], file: string): string {
    const sorted = [...devices].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : a.parent < b.parent ? -1 : 1));
    const head = this.profile !== undefined ? { file, profile: this.profile, namespace: this.namespace } : { file, namespace: this.namespace };
    const lines = sorted.map((d) => `    ${JSON.stringify(this.entry(d))}`);
    const text = `${JSON.stringify(head).slice(0, -1)},\n  "devices": [\n${lines.join(',\n')}\n  ]\n}\n`;
    const size = Buffer.byteLength(text);
    if (size > MAX_RECORD_BYTES) {
      throw new MdevctlError(`The record of ${file} would be ${size} bytes, over the ${MAX_RECORD_BYTES} bytes mdevctl reads back; nothing was changed (split the file, or use shorter names)`);
    }
    return text;
  }

  /** Writes the record when it differs from `before`; removes it when empty. */
  write(before: readonly ManagedDevice[], after: readonly ManagedDevice[], file: string): boolean {
    if (sameSet(before, after)) return false;
    if (after.length === 0) {
      this.remove();
      return true;
    }
    this.writeBytes(Buffer.from(this.text(after, file)));
    return true;
  }

  /** Puts back the record exactly as read (`bytes` undefined: there was none). */
  restore(bytes: Buffer | undefined): void {
    if (bytes === undefined) this.remove();
    else this.writeBytes(bytes);
  }

  private remove(): void {
    this.confinement.assertInside(this.dir);
    try {
      unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new MdevctlError(`Failed to remove ${this.path}: ${describeOsError(err)}`);
    }
  }

  private writeBytes(bytes: Buffer): void {
    this.confinement.assertInside(this.dir);
    const temp = join(this.dir, `.${this.namespace}.${process.pid}.tmp`);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      this.checkSafe(this.dir, true);
      // A temp file of an earlier run with our pid (a crash, pid reuse) is ours to replace.
      try {
        unlinkSync(temp);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        writeAll(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        /* not created */
      }
      if (err instanceof MdevctlError) throw err;
      throw new MdevctlError(`Failed to write ${this.path}: ${describeOsError(err)}`);
    }
  }
}

function dirProblem(st: Stats): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  return ownerProblem(st);
}

function fileProblem(st: Stats): string | undefined {
  if (!st.isFile()) return 'is not a regular file';
  return ownerProblem(st);
}

function ownerProblem(st: Stats): string | undefined {
  const uid = effectiveUid();
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `has mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}: others can write it`;
  return undefined;
}

function sameSet(a: readonly ManagedDevice[], b: readonly ManagedDevice[]): boolean {
  if (a.length !== b.length) return false;
  const key = (d: ManagedDevice) => `${d.file ?? ''}\0${d.key}\0${d.uuid}\0${d.parent}`;
  const set = new Set(a.map(key));
  return b.every((d) => set.has(key(d)));
}
