// The definitions under etc/mdevctl.d/<parent>/<uuid>: scan, read, write atomically, remove.
// A definition dir or file that is a symlink leading outside the environment root is never
// read or written through (store/confine.ts), and writes and removals go through the fd of the
// checked dir, never through its name again; every byte of a definition is written or the
// write fails, leaving the previous file as it was and no temp file. A file is read bounded
// and strictly decoded.

import {
  closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readFileSync, readdirSync, renameSync, statSync,
  unlinkSync, type Dirent,
} from 'node:fs';
import { writeAll } from '@mdevctl/plugin-sdk';
import { dirname, join } from 'node:path';
import type { DefinedDevice, MdevDevice } from '@mdevctl/plugin-sdk';
import { isDir, errnoCode } from '../host/fs.js';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { MAX_CONFIG_BYTES, formatConfig, parseDeviceConfig, parseDeviceConfigBytes, type DeviceConfig } from '../model/device-config.js';
import { RootConfinement } from './confine.js';
import { effectiveUid } from '../host/run-dir.js';
import { NO_FOLLOW, readConfigBytes } from './read-bounded.js';
import { isUuidName } from '../model/uuid.js';
import { compareBytes, sortByBytes } from '../model/order.js';

/** A definition file that could not be used, with the reason. */
export interface StoreProblem {
  readonly path: string;
  readonly message: string;
  /** The parent whose definition file this is; absent when a whole dir is the problem. */
  readonly parent?: string;
  /** True when it is a regular file that was read but is no valid config (undefine may remove it). */
  readonly unparsable?: boolean;
}

/** A definition file that was read but holds no valid config. */
export class UnparsableDefinition extends MdevctlError {}

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

/**
 * Why definitions cannot be kept under `parent`: a scan never reads a dir whose name starts with
 * a dot, nor scripts.d (0.x call-out scripts); undefined for every other name.
 */
export function unlistedParentProblem(parent: string): string | undefined {
  if (parent !== SCRIPTS_DIR && !parent.startsWith('.')) return undefined;
  return `Parent ${parent} cannot have definitions: etc/mdevctl.d/${parent} is never read (a name starting with '.', or scripts.d, is no parent device)`;
}

/** Where a definition is written before its rename: a dot file, so scans skip it. */
function tempName(uuid: string, pid = process.pid): string {
  return `.${uuid}.${pid}.tmp`;
}

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A temp file staged in etc/ (outside the watched tree) is `.mdevctl.d.<uuid>.<pid>.tmp`. */
const STAGED_PREFIX = '.mdevctl.d';

export class DefinitionStore {
  private readonly confinement: RootConfinement;
  /** Files whose content was read with a change (an unknown `start` read as manual), warned once. */
  private readonly normalised = new Set<string>();

  /** `warn`: where the one warning per such file goes (none: silent). */
  constructor(
    private readonly paths: HostPaths,
    private readonly warn?: (message: string) => void,
  ) {
    this.confinement = new RootConfinement(paths.root);
  }

  /** Definitions pinned by pin(), by `parent/uuid`. */
  private pinned = new Map<string, DefinedDevice>();

  /**
   * Keeps definitions the caller has just scanned while it holds the definitions lock (no other
   * mdevctl can change them): the look-ups of one of them by parent and uuid that follow in the
   * same command (start-parent-mdevs starting each) are answered from here instead of reading
   * the file again, until this store writes or removes it. pin([]) lets them all go.
   */
  pin(devices: readonly DefinedDevice[]): void {
    this.pinned = new Map(devices.map((d) => [`${d.parent}/${d.uuid}`, d]));
  }

  /** True when the file at `path` was read with a change: rewriting it is a change even if the config is equal. */
  wasNormalised(path: string): boolean {
    return this.normalised.has(path);
  }

  /** Every definition matching the filter; a bad file is a problem, never a failure. */
  scan(filter: DeviceFilter = {}): DefinitionScan {
    if (filter.uuid !== undefined && filter.parent !== undefined) {
      const known = this.pinned.get(`${filter.parent}/${filter.uuid}`);
      if (known) return { devices: [known], problems: [] };
    }
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
        if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') {
          problems.push({ path: dir, message: `Unable to read directory ${dir}: ${describeOsError(err)}` });
        }
        continue;
      }
      const listed = sortByBytes(
        entries.filter((e) => !e.name.startsWith('.') && (filter.uuid === undefined || e.name === filter.uuid)),
        (e) => e.name,
      );
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
          const message = err instanceof Error ? err.message : String(err);
          problems.push(err instanceof UnparsableDefinition ? { path, parent, message, unparsable: true } : { path, parent, message });
        }
      }
    }
    return { devices, problems };
  }

  /** The definition of uuid under parent; undefined when absent; throws when unusable. */
  read(parent: string, uuid: string): DefinedDevice | undefined {
    const known = this.pinned.get(`${parent}/${uuid}`);
    if (known) return known;
    return this.load(parent, uuid, this.paths.definitionFile(parent, uuid));
  }

  exists(parent: string, uuid: string): boolean {
    try {
      return statSync(this.paths.definitionFile(parent, uuid)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Writes the definition atomically: temp file, fsync, rename, fsync dir, all through fds of
   * checked dirs (store/confine.ts). The temp file is staged in etc/ when it can be (stagingFd).
   */
  write(device: MdevDevice): string {
    const unlisted = unlistedParentProblem(device.parent);
    if (unlisted !== undefined) throw new MdevctlError(unlisted);
    const dir = this.paths.definitionDir(device.parent);
    const path = this.paths.definitionFile(device.parent, device.uuid);
    this.pinned.delete(`${device.parent}/${device.uuid}`);
    this.confinement.assertInside(dir);
    let dirFd: number | undefined;
    try {
      dirFd = this.confinement.openDirInside(dir, true);
      if (!this.writeThrough(device, dirFd, dir, this.stagingFd(dirFd))) {
        // etc/mdevctl.d is a mount of its own (a bind mount: containers, image builders): a
        // rename from etc/ gives EXDEV, so from now on the temp file goes beside the target.
        this.stageBeside = true;
        this.writeThrough(device, dirFd, dir, undefined);
      }
      syncFd(dirFd);
    } catch (err) {
      if (err instanceof MdevctlError) throw err;
      throw new MdevctlError(`Failed to write config for device ${device.uuid} to ${path}: ${describeOsError(err)}`, { cause: err });
    } finally {
      if (dirFd !== undefined) closeSync(dirFd);
    }
    return path;
  }

  /** Set once a rename from etc/ crossed a mount point (EXDEV): stage beside the target. */
  private stageBeside = false;

  /**
   * Writes the temp file (in the dir of `stageFd`, else beside the target) and renames it into
   * place; false, with no temp file left, when the staged temp could not be renamed across a
   * mount point (EXDEV). Closes `stageFd`.
   */
  private writeThrough(device: MdevDevice, dirFd: number, dir: string, stageFd: number | undefined): boolean {
    const at = (name: string) => RootConfinement.at(dirFd, dir, name);
    let temp: string | undefined;
    try {
      temp = stageFd === undefined
        ? at(tempName(device.uuid))
        : RootConfinement.at(stageFd, dirname(this.paths.configBase), STAGED_PREFIX + tempName(device.uuid));
      const fd = openTemp(temp);
      try {
        writeAll(fd, formatConfig(device));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        renameSync(temp, at(device.uuid));
      } catch (err) {
        if (stageFd !== undefined && errnoCode(err) === 'EXDEV') return false;
        throw err;
      }
      temp = undefined;
      return true;
    } finally {
      if (temp !== undefined) {
        try {
          unlinkSync(temp);
        } catch {
          /* the temp file may not exist */
        }
      }
      if (stageFd !== undefined) closeSync(stageFd);
    }
  }

  /**
   * An fd of etc/ (the parent of etc/mdevctl.d) to stage the temp file in, when it is inside the
   * root, on the same file system as the definition's dir, ours, and writable by nobody else;
   * else undefined (the temp goes beside the target). libvirt watches etc/mdevctl.d and every
   * dir below it with inotify and re-runs `mdevctl list` for each close-after-write and each
   * rename it sees there: staged outside, one stored change is one event (the rename into the
   * tree), as with upstream's write in place. When etc/mdevctl.d is a mount point of its own (a
   * bind mount of the same file system has the same st_dev, so only the rename can tell: EXDEV),
   * the temp goes beside the target: every dir there is watched, so a change is then seen as the
   * temp's create and write and the rename.
   */
  private stagingFd(dirFd: number): number | undefined {
    if (this.stageBeside) return undefined;
    let fd: number;
    try {
      fd = this.confinement.openDirInside(dirname(this.paths.configBase));
    } catch {
      return undefined;
    }
    const st = fstatSync(fd);
    if ((st.mode & 0o022) !== 0 || st.uid !== effectiveUid() || st.dev !== fstatSync(dirFd).dev) {
      closeSync(fd);
      return undefined;
    }
    return fd;
  }

  remove(parent: string, uuid: string): void {
    const dir = this.paths.definitionDir(parent);
    const path = this.paths.definitionFile(parent, uuid);
    let dirFd: number | undefined;
    this.pinned.delete(`${parent}/${uuid}`);
    try {
      dirFd = this.confinement.openDirInside(dir);
      unlinkSync(RootConfinement.at(dirFd, dir, uuid));
      syncFd(dirFd);
    } catch (err) {
      if (err instanceof MdevctlError) throw err;
      throw new MdevctlError(`Failed to remove file ${path}: ${describeOsError(err)}`, { cause: err });
    } finally {
      if (dirFd !== undefined) closeSync(dirFd);
    }
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
      const text = readListedFile(path);
      if (text !== undefined) return this.parse(parent, uuid, path, (warn) => parseDeviceConfig(text, path, warn));
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
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw new MdevctlError(`Unable to read definition ${path}: ${describeOsError(err)}`);
    }
    return this.parse(parent, uuid, path, (warn) => parseDeviceConfigBytes(bytes, path, warn));
  }

  /** The definition `parseWith` reads from the file's text or bytes; its warnings once per file. */
  private parse(parent: string, uuid: string, path: string, parseWith: (warn: (message: string) => void) => DeviceConfig): DefinedDevice {
    let config;
    try {
      config = parseWith((message) => {
        if (this.normalised.has(path)) return;
        this.normalised.add(path);
        this.warn?.(message);
      });
    } catch (err) {
      throw new UnparsableDefinition(err instanceof Error ? err.message : String(err), { cause: err });
    }
    return { uuid, parent, type: config.type, start: config.start, attrs: config.attrs, path };
  }
}

/**
 * The text of a file the dir listing called regular, read without following a link, in one call
 * into node (open, fstat, read, close in C++: the scan of 10k definitions is mostly this); the
 * file's size bounds the read. undefined when the careful path must decide: no longer a regular
 * file (a link or gone), or text that may not be strict UTF-8 of at most MAX_CONFIG_BYTES (node
 * decodes bad bytes to U+FFFD; the careful path reads bytes and refuses them as it words it).
 * Other read errors as load() words them.
 */
const READ_LISTED = { encoding: 'utf8', flag: NO_FOLLOW as unknown as string } as const; // node takes numeric flags

function readListedFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, READ_LISTED); // one options object for every file
    if (text.includes('\ufffd') || text.length > MAX_CONFIG_BYTES / 4) return undefined;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a BOM is dropped, as decodeConfig does
  } catch (err) {
    const code = errnoCode(err);
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
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
  }
  return [{ name, isFile: () => regular } as Dirent];
}

function isDirectory(entry: Dirent, base: string): boolean {
  if (entry.isDirectory()) return true;
  return entry.isSymbolicLink() && isDir(join(base, entry.name));
}

/** Creates the temp file exclusively, never through a symlink; one left by a dead namesake goes first. */
function openTemp(temp: string): number {
  try {
    return openSync(temp, TEMP_FLAGS, 0o644);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    unlinkSync(temp);
    return openSync(temp, TEMP_FLAGS, 0o644);
  }
}

function syncFd(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    /* directory fsync is best effort (not supported everywhere) */
  }
}
