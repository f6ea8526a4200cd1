// The simulated host as the kernel sees it: where things live under ROOT/sys, the static
// profiles from the manifest, and what the tree says right now (registered parents, devices,
// pool usage). The tree is the only state; nothing here is cached between operations.

import { appendFileSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FileLock } from '@mdevctl/plugin-sdk';
import { isDirectory, isSymlink, listDir, lexists, makeDir, MODE_RO, replaceFile } from './fsops.js';
import { checkManifest, type DriverProfile, type ParentProfile, type SimManifest, type TypeProfile } from './profiles.js';

/** Relative to the root: the dir of the simulator's own files. */
export const SIM_DIR = '.mdev-sim';
export const MANIFEST_FILE = 'kernel.json';
export const UEVENT_LOG = 'uevents.log';
const KERNEL_LOCK = 'kernel.lock';

/** The cross-process lock every simulated-kernel operation (and building the tree) runs under. */
export function simKernelLock(simDir: string): FileLock {
  return new FileLock(
    simDir,
    KERNEL_LOCK,
    (pid, ms) => new Error(`simulated kernel busy: ${join(simDir, KERNEL_LOCK)} held by pid ${pid ?? '?'} for over ${ms / 1000}s`),
  );
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One uevent, as a line of .mdev-sim/uevents.log. */
export interface Uevent {
  action: string;
  devpath: string;
  subsystem: string;
  env: Record<string, string>;
}

export interface ActiveMdev {
  uuid: string;
  type: string;
}

/** The root with symlinks resolved, so that it compares with realpath()s of files under it. */
function canonical(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root);
  }
}

export class SimHost {
  readonly root: string;
  readonly sys: string;
  readonly simDir: string;
  readonly tmpDir: string;
  readonly manifest: SimManifest;

  constructor(root: string, manifest: SimManifest) {
    this.root = canonical(root);
    this.sys = join(this.root, 'sys');
    this.simDir = join(this.root, SIM_DIR);
    this.tmpDir = join(this.simDir, 'tmp');
    this.manifest = manifest;
  }

  static load(root: string): SimHost {
    const file = join(resolve(root), SIM_DIR, MANIFEST_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`no simulated kernel at ${resolve(root)} (missing ${SIM_DIR}/${MANIFEST_FILE})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    return new SimHost(root, checkManifest(parsed, file));
  }

  /** ROOT/sys/<rel> */
  sysPath(rel: string): string {
    return join(this.sys, rel);
  }

  parent(name: string): ParentProfile {
    const p = this.manifest.parents.find((x) => x.name === name);
    if (p === undefined) {
      const known = this.manifest.parents.map((x) => x.name).join(', ');
      throw new Error(`unknown parent '${name}' (this host has: ${known})`);
    }
    return p;
  }

  driver(p: ParentProfile): DriverProfile {
    const d = this.manifest.drivers[p.driver];
    if (d === undefined) throw new Error(`parent ${p.name}: unknown driver ${p.driver}`);
    return d;
  }

  typeProfile(p: ParentProfile, type: string): TypeProfile | undefined {
    return this.driver(p).types[type];
  }

  parentDir(p: ParentProfile): string {
    return this.sysPath(p.devpath);
  }

  typesDir(p: ParentProfile): string {
    return join(this.parentDir(p), 'mdev_supported_types');
  }

  typeDir(p: ParentProfile, type: string): string {
    return join(this.typesDir(p), type);
  }

  deviceDir(p: ParentProfile, uuid: string): string {
    return join(this.parentDir(p), uuid);
  }

  classLink(p: ParentProfile): string {
    return this.sysPath(join('class/mdev_bus', p.name));
  }

  busDeviceLink(uuid: string): string {
    return this.sysPath(join('bus/mdev/devices', uuid));
  }

  mdevDriverDir(d: DriverProfile): string {
    return this.sysPath(join('bus/mdev/drivers', d.mdevDriver));
  }

  isRegistered(p: ParentProfile): boolean {
    return lexists(this.classLink(p));
  }

  /** The driver dir (relative to sys/) a bindable device is bound to, if any. */
  boundDriver(p: ParentProfile): string | undefined {
    const link = join(this.parentDir(p), 'driver');
    if (!isSymlink(link)) return undefined;
    return join(p.devpath, readlinkSync(link));
  }

  /** The mdevs under a parent (device dirs with an mdev_type link), by uuid. */
  devices(p: ParentProfile): ActiveMdev[] {
    const out: ActiveMdev[] = [];
    for (const name of listDir(this.parentDir(p))) {
      if (!UUID_RE.test(name)) continue;
      const typeLink = join(this.deviceDir(p, name), 'mdev_type');
      if (!isSymlink(typeLink)) continue;
      out.push({ uuid: name, type: basename(readlinkSync(typeLink)) });
    }
    return out;
  }

  /** Every mdev on the host with its parent. */
  allDevices(): Array<ActiveMdev & { parent: ParentProfile }> {
    return this.manifest.parents.flatMap((p) => this.devices(p).map((d) => ({ ...d, parent: p })));
  }

  /** The parent of the device dir `abs` (a canonical path), when it is one of ours. */
  parentOfDeviceDir(abs: string): ParentProfile | undefined {
    return this.manifest.parents.find((p) => join(this.parentDir(p), basename(abs)) === abs);
  }

  usedUnits(p: ParentProfile): number {
    let used = 0;
    for (const d of this.devices(p)) used += this.typeProfile(p, d.type)?.cost ?? 0;
    return used;
  }

  available(p: ParentProfile, type: string): number {
    const t = this.typeProfile(p, type);
    if (t === undefined || t.cost <= 0) return 0;
    const free = this.driver(p).pool - this.usedUnits(p);
    return free > 0 ? Math.floor(free / t.cost) : 0;
  }

  /** Rewrites available_instances of every type of the parent from the devices present. */
  refreshPool(p: ParentProfile): void {
    if (!isDirectory(this.typesDir(p))) return;
    for (const type of Object.keys(this.driver(p).types)) {
      const dir = this.typeDir(p, type);
      if (!isDirectory(dir)) continue;
      replaceFile(this.tmpDir, join(dir, 'available_instances'), `${this.available(p, type)}\n`, MODE_RO);
    }
  }

  /** Appends uevents to the log, in order. */
  emit(events: Uevent[]): void {
    if (events.length === 0) return;
    makeDir(this.simDir);
    appendFileSync(join(this.simDir, UEVENT_LOG), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }

  /** `/devices/...` form of a path under sys (as in DEVPATH). */
  devpathOf(abs: string): string {
    return `/${abs.slice(this.sys.length + 1)}`;
  }
}
