// The definitions under etc/mdevctl.d/<parent>/<uuid>: scan, read, write atomically, remove.

import {
  closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync,
  unlinkSync, writeSync, type Dirent,
} from 'node:fs';
import { join } from 'node:path';
import type { DefinedDevice, MdevDevice } from '@mdevctl/plugin-sdk';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { formatConfig, parseDeviceConfig } from '../model/device-config.js';
import { isUuidName } from '../model/uuid.js';
import { compareBytes } from '../model/order.js';

/** A definition file that could not be used, with the reason. */
export interface StoreProblem {
  readonly path: string;
  readonly message: string;
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

export class ConfigStore {
  constructor(private readonly paths: HostPaths) {}

  /** Every definition matching the filter; a bad file is a problem, never a failure. */
  scan(filter: DeviceFilter = {}): DefinitionScan {
    const devices: DefinedDevice[] = [];
    const problems: StoreProblem[] = [];
    const parents = filter.parent !== undefined ? [filter.parent] : this.parentDirs();
    for (const parent of parents.sort(compareBytes)) {
      const dir = this.paths.definitionDir(parent);
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
      const names = entries
        .filter((e) => !e.name.startsWith('.') && (filter.uuid === undefined || e.name === filter.uuid))
        .map((e) => e.name)
        .sort(compareBytes);
      for (const name of names) {
        const path = join(dir, name);
        if (!isUuidName(name)) {
          problems.push({ path, message: `Can't determine uuid for file ${path}` });
          continue;
        }
        try {
          const def = this.load(parent, name, path);
          if (def) devices.push(def);
        } catch (err) {
          problems.push({ path, message: err instanceof Error ? err.message : String(err) });
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

  /** Writes the definition atomically: temp file in the same dir, fsync, rename, fsync dir. */
  write(device: MdevDevice): string {
    const dir = this.paths.definitionDir(device.parent);
    const path = this.paths.definitionFile(device.parent, device.uuid);
    const temp = join(dir, `.${device.uuid}.${process.pid}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      const fd = openSync(temp, 'w', 0o644);
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
    try {
      unlinkSync(path);
      syncDir(this.paths.definitionDir(parent));
    } catch (err) {
      throw new MdevctlError(`Failed to remove file ${path}: ${describeOsError(err)}`, { cause: err });
    }
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

  private load(parent: string, uuid: string, path: string): DefinedDevice | undefined {
    let text: string;
    try {
      if (!statSync(path).isFile()) throw new MdevctlError(`Definition ${path} is not a regular file`);
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof MdevctlError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MdevctlError(`Unable to read definition ${path}: ${describeOsError(err)}`);
    }
    const config = parseDeviceConfig(text, path);
    return { uuid, parent, type: config.type, start: config.start, attrs: config.attrs, path };
  }
}

/**
 * The entry `name` of dir as a one-item listing (only its name is used), as listing dir would
 * give it for the scan: [] when it or dir is absent; anything else is left to load() to report.
 */
function entryIn(dir: string, name: string): Dirent[] {
  try {
    statSync(join(dir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
  }
  return [{ name } as Dirent];
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
