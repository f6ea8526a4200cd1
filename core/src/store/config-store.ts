// The definitions under etc/mdevctl.d/<parent>/<uuid>: scan, read, write atomically, remove.
// A definition dir or file that is a symlink leading outside the environment root is never
// read or written through (store/confine.ts); a file is read bounded and strictly decoded.

import {
  closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync,
  unlinkSync, writeSync, type Dirent,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { DefinedDevice, MdevDevice } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { formatConfig, parseDeviceConfigBytes } from '../model/device-config.js';
import { RootConfinement } from './confine.js';
import { NO_FOLLOW, readConfigBytes } from './read-bounded.js';
import { isUuidName } from '../model/uuid.js';
import { compareBytes } from '../model/order.js';

/** A definition file that could not be used, with the reason. */
export interface StoreProblem {
  readonly path: string;
  readonly message: string;
  /** The parent whose definition file this is; absent when a whole dir is the problem. */
  readonly parent?: string;
}

export interface DefinitionScan {
  /** Sorted by parent, then uuid. */
  readonly devices: DefinedDevice[];
  readonly problems: StoreProblem[];
}

export interface DeviceFilter {
  readonly uuid?: string | undefined;
  readonly parent?: string | undefined;
}

const SCRIPTS_DIR = 'scripts.d';

/** Where a definition is written before its rename: a dot file, so scans skip it. */
function tempName(uuid: string, pid = process.pid): string {
  return `.${uuid}.${pid}.tmp`;
}

/** A temp file staged in etc/ (outside the watched tree) is `.mdevctl.d.<uuid>.<pid>.tmp`. */
const STAGED_PREFIX = '.mdevctl.d';

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class ConfigStore {
  private readonly confinement: RootConfinement;

  constructor(private readonly paths: HostPaths) {
    this.confinement = new RootConfinement(paths.root);
  }

  /** Every definition matching the filter; a bad file is a problem, never a failure. */
  scan(filter: DeviceFilter = {}): DefinitionScan {
    const devices: DefinedDevice[] = [];
    const problems: StoreProblem[] = [];
    const parents = filter.parent !== undefined ? [filter.parent] : this.parentDirs();
    for (const parent of parents.sort(compareBytes)) {
      const dir = this.paths.definitionDir(parent);
      const outside = this.confinement.problem(dir);
      if (outside !== undefined) {
        // Never listed; a search for one uuid across all parents passes it by silently.
        if (filter.uuid === undefined || filter.parent !== undefined) problems.push({ path: dir, message: outside });
        continue;
      }
      let entries: Dirent[];
      try {
        // One uuid asked for (start, stop, start-parent-mdevs: once per device): no dir listing.
        entries = filter.uuid !== undefined && isUuidName(filter.uuid) ? entryIn(dir, filter.uuid) : readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') {
          problems.push({ path: dir, message: `Unable to read directory ${dir}: ${describeOsError(err)}` });
        }
        continue;
      }
      const listed = entries
        .filter((e) => !e.name.startsWith('.') && (filter.uuid === undefined || e.name === filter.uuid))
        .sort((a, b) => compareBytes(a.name, b.name));
      for (const entry of listed) {
        const name = entry.name;
        const path = `${dir}/${name}`; // dir is normalised, name one component: no join needed
        if (!isUuidName(name)) {
          problems.push({ path, parent, message: `Can't determine uuid for file ${path}` });
          continue;
        }
        try {
          const def = this.load(parent, name, path, true, entry.isFile());
          if (def) devices.push(def);
        } catch (err) {
          problems.push({ path, parent, message: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    return { devices, problems };
  }

  /** The definition of uuid under parent; undefined when absent; throws when unusable. */
  read(parent: string, uuid: string): DefinedDevice | undefined {
    return this.load(parent, uuid, this.paths.definitionFile(parent, uuid));
  }

  exists(parent: string, uuid: string): boolean {
    try {
      return statSync(this.paths.definitionFile(parent, uuid)).isFile();
    } catch {
      return false;
    }
  }

  /** Writes the definition atomically: temp file, fsync, rename, fsync dir. */
  write(device: MdevDevice): string {
    const dir = this.paths.definitionDir(device.parent);
    const path = this.paths.definitionFile(device.parent, device.uuid);
    this.confinement.assertInside(dir);
    let temp = join(dir, tempName(device.uuid));
    try {
      mkdirSync(dir, { recursive: true });
      temp = this.stagedTemp(dir, device.uuid) ?? temp;
      const fd = openTemp(temp);
      try {
        writeSync(fd, formatConfig(device));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
      syncDir(dir);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        /* the temp file may not exist */
      }
      throw new MdevctlError(`Failed to write config for device ${device.uuid} to ${path}: ${describeOsError(err)}`, { cause: err });
    }
    return path;
  }

  remove(parent: string, uuid: string): void {
    const path = this.paths.definitionFile(parent, uuid);
    this.confinement.assertInside(this.paths.definitionDir(parent));
    try {
      unlinkSync(path);
      syncDir(this.paths.definitionDir(parent));
    } catch (err) {
      throw new MdevctlError(`Failed to remove file ${path}: ${describeOsError(err)}`, { cause: err });
    }
  }

  /**
   * The temp file's path outside etc/mdevctl.d, in its parent dir (etc), when that is on the same
   * file system and only its owner can write it; else undefined (the temp goes beside the target).
   * libvirt watches etc/mdevctl.d and every dir below it with inotify and re-runs `mdevctl list`
   * for each close-after-write and each rename it sees there: staged outside, one stored change is
   * one event (the rename into the tree), as with upstream's write in place.
   */
  private stagedTemp(dir: string, uuid: string): string | undefined {
    const staging = dirname(this.paths.configBase);
    if (this.confinement.problem(staging) !== undefined) return undefined;
    try {
      const st = lstatSync(staging);
      if (!st.isDirectory() || (st.mode & 0o022) !== 0 || st.dev !== statSync(dir).dev) return undefined;
    } catch {
      return undefined;
    }
    return join(staging, STAGED_PREFIX + tempName(uuid));
  }

  /** Removes temp files a dead writer of this definition left (crash recovery; lock held). */
  removeTemps(parent: string, uuid: string): void {
    const removeIn = (dir: string, prefix: string): void => {
      if (this.confinement.problem(dir) !== undefined) return;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (name.startsWith(`${prefix}.${uuid}.`) && name.endsWith('.tmp')) unlinkSync(join(dir, name));
      }
    };
    removeIn(this.paths.definitionDir(parent), '');
    removeIn(dirname(this.paths.configBase), STAGED_PREFIX);
  }

  private parentDirs(): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(this.paths.configBase, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((e) => e.name !== SCRIPTS_DIR && !e.name.startsWith('.') && isDirectory(e, this.paths.configBase))
      .map((e) => e.name);
  }

  /**
   * `dirChecked`: the caller already made sure the parent's dir stays inside the root.
   * `listedAsFile`: the dir listing said it is a regular file; then it is read without a stat,
   * opened so that a link swapped in meanwhile is refused (and checked as below).
   */
  private load(parent: string, uuid: string, path: string, dirChecked = false, listedAsFile = false): DefinedDevice | undefined {
    if (listedAsFile && dirChecked) {
      const bytes = readListedFile(path);
      if (bytes !== undefined) return this.parse(parent, uuid, path, bytes);
    }
    let bytes: Buffer;
    try {
      const link = lstatSync(path);
      if (link.isSymbolicLink()) this.confinement.assertInside(path);
      if (!(link.isSymbolicLink() ? statSync(path) : link).isFile()) {
        throw new MdevctlError(`Definition ${path} is not a regular file`);
      }
      if (!dirChecked) this.confinement.assertInside(this.paths.definitionDir(parent));
      bytes = readConfigBytes(path);
    } catch (err) {
      if (err instanceof MdevctlError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MdevctlError(`Unable to read definition ${path}: ${describeOsError(err)}`);
    }
    return this.parse(parent, uuid, path, bytes);
  }

  private parse(parent: string, uuid: string, path: string, bytes: Buffer): DefinedDevice {
    const config = parseDeviceConfigBytes(bytes, path);
    return { uuid, parent, type: config.type, start: config.start, attrs: config.attrs, path };
  }
}

/**
 * A file the dir listing called regular, read without following a link; undefined when it is
 * no longer one (a link or gone: the careful path decides), other read errors as load() words them.
 */
function readListedFile(path: string): Buffer | undefined {
  try {
    return readConfigBytes(path, NO_FOLLOW, true);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'EISDIR' || code === 'ENXIO') return undefined;
    throw new MdevctlError(`Unable to read definition ${path}: ${describeOsError(err)}`);
  }
}

/**
 * The entry `name` of dir as a one-item listing (its name and whether it is a regular file), as listing dir would
 * give it for the scan: [] when it or dir is absent; anything else is left to load() to report.
 */
function entryIn(dir: string, name: string): Dirent[] {
  let regular = false;
  try {
    // lstat: a link leading nowhere is an entry (load() reports it), as a dir listing sees it
    regular = lstatSync(join(dir, name)).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
  }
  return [{ name, isFile: () => regular } as Dirent];
}

function isDirectory(entry: Dirent, base: string): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(base, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

/** Creates the temp file exclusively, never through a symlink; one left by a dead namesake goes first. */
function openTemp(temp: string): number {
  try {
    return openSync(temp, TEMP_FLAGS, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    unlinkSync(temp);
    return openSync(temp, TEMP_FLAGS, 0o644);
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* directory fsync is best effort (not supported everywhere) */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
