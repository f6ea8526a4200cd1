// Which devices a desired-state file manages: var/lib/mdevctl/desired/<namespace>.json under the
// environment root lists every device an apply of the file defined or took over (key, uuid,
// parent). `--prune` removes only devices listed there whose uuid the key still derives to under
// the file's namespace (or, for a device the file names by uuid, that uuid): a device the file
// never managed is never touched, even when the record was edited. The record is rewritten only
// when it changes (atomically: temp file, fsync, rename), so an apply that changes nothing writes
// nothing.

import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { writeAll } from '@mdevctl/plugin-sdk';
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { isUuidName } from '../model/uuid.js';
import { RootConfinement } from '../store/confine.js';
import { NO_FOLLOW, readConfigBytes } from '../store/read-bounded.js';
import { derivedUuid } from './keys.js';

export interface ManagedDevice {
  readonly key: string;
  readonly uuid: string;
  readonly parent: string;
}

export const LEDGER_DIR = 'var/lib/mdevctl/desired';

export class Ledger {
  readonly path: string;
  private readonly dir: string;
  private readonly confinement: RootConfinement;

  constructor(
    paths: HostPaths,
    private readonly namespace: string,
  ) {
    this.dir = join(paths.root, LEDGER_DIR);
    this.path = join(this.dir, `${namespace}.json`);
    this.confinement = new RootConfinement(paths.root);
  }

  /** The devices recorded for the file (none when there is no record yet); a bad record throws. */
  read(): ManagedDevice[] {
    this.confinement.assertInside(this.path);
    let bytes: Buffer;
    try {
      bytes = readConfigBytes(this.path, NO_FOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new MdevctlError(`Unable to read ${this.path}: ${describeOsError(err)}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new MdevctlError(`${this.path} is not valid JSON; remove it to forget which devices the file manages`);
    }
    const list = (value as { devices?: unknown } | null)?.devices;
    if (!Array.isArray(list)) throw new MdevctlError(`${this.path}: no "devices" list`);
    return list.filter((d): d is ManagedDevice => this.trusted(d));
  }

  /** A record entry is believed only when its key derives to its uuid (or names that uuid). */
  private trusted(d: unknown): boolean {
    const e = d as Partial<ManagedDevice> | null;
    if (typeof e?.key !== 'string' || typeof e.uuid !== 'string' || typeof e.parent !== 'string') return false;
    if (!isUuidName(e.uuid) || e.parent === '' || e.parent.includes('/')) return false;
    return e.key === `uuid/${e.uuid}` || derivedUuid(this.namespace, e.key) === e.uuid;
  }

  /** Writes the record when it differs from `before`; removes it when empty. */
  write(before: readonly ManagedDevice[], after: readonly ManagedDevice[], file: string): boolean {
    const sorted = [...after].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : a.parent < b.parent ? -1 : 1));
    if (sameSet(before, sorted)) return false;
    this.confinement.assertInside(this.dir);
    if (sorted.length === 0) {
      try {
        unlinkSync(this.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new MdevctlError(`Failed to remove ${this.path}: ${describeOsError(err)}`);
      }
      return true;
    }
    const text = `${JSON.stringify({ file, namespace: this.namespace, devices: sorted }, null, 2)}\n`;
    const temp = join(this.dir, `.${this.namespace}.${process.pid}.tmp`);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        writeAll(fd, text);
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
      throw new MdevctlError(`Failed to write ${this.path}: ${describeOsError(err)}`);
    }
    return true;
  }
}

function sameSet(a: readonly ManagedDevice[], b: readonly ManagedDevice[]): boolean {
  if (a.length !== b.length) return false;
  const key = (d: ManagedDevice) => `${d.key}\0${d.uuid}\0${d.parent}`;
  const set = new Set(a.map(key));
  return b.every((d) => set.has(key(d)));
}
