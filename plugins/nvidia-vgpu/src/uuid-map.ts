// Which uuid runs on which VF. The kernel keeps no uuid for a vendor-VFIO vGPU, so mdevctl records
// the uuid it started on a VF in ROOT/run/mdevctl-vgpu/<VF> (`<uuid> <type id>`), next to its own
// run dir: run/ is a tmpfs, so the record goes with the vGPUs at a reboot. Only root writes there:
// the dir is created 0755 by the effective user, and a record is believed only when the dir and
// the file are owned by that user or root, writable by nobody else, a regular file (no links
// followed) of at most 128 bytes, and its type id equals the VF's current one (a vGPU another tool
// made after ours is not taken for ours). Anything else is ignored: the VF then shows the uuid
// derived from its address (uuid.ts).

import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from '@mdevctl/plugin-sdk';

export const UUID_MAP_DIR = 'run/mdevctl-vgpu';
const MAX_BYTES = 128;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function euid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : 0;
}

function trusted(st: Stats): boolean {
  const uid = euid();
  return (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0;
}

export interface MappedVgpu {
  readonly uuid: string;
  readonly id: number;
}

/** The record of a VF, when it can be believed (see above). */
export function readMapped(root: string, vf: string): MappedVgpu | undefined {
  const dir = join(root, UUID_MAP_DIR);
  try {
    const d = lstatSync(dir);
    if (!d.isDirectory() || !trusted(d)) return undefined;
  } catch {
    return undefined;
  }
  let fd: number;
  try {
    fd = openSync(join(dir, vf), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !trusted(st) || st.size > MAX_BYTES) return undefined;
    const buf = Buffer.alloc(MAX_BYTES);
    const n = readSync(fd, buf, 0, MAX_BYTES, 0);
    const m = /^([0-9a-f-]{36}) (\d{1,10})\n?$/.exec(buf.subarray(0, n).toString('latin1'));
    if (m?.[1] === undefined || m[2] === undefined || !UUID.test(m[1])) return undefined;
    return { uuid: m[1], id: Number(m[2]) };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The dir, made when absent; throws one line when it cannot be trusted. */
function ensureDir(root: string): string {
  const dir = join(root, UUID_MAP_DIR);
  mkdirSync(join(root, 'run'), { recursive: true, mode: 0o755 });
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || !trusted(st)) {
    throw new Error(`Refusing to use ${dir}: it is not a directory of root's (or this user's) that only its owner can write; mdevctl records there which uuid runs on which VF (remove it as root)`);
  }
  return dir;
}

/** Records that `uuid` runs type `id` on the VF (temp file and rename: all or nothing). */
export function writeMapped(root: string, vf: string, uuid: string, id: number): void {
  const dir = ensureDir(root);
  const tmp = join(dir, `.${vf}.${process.pid}`);
  forget(tmp);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeAll(fd, `${uuid} ${id}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, vf));
}

/** Forgets the VF's record (absent is fine). */
export function forgetMapped(root: string, vf: string): void {
  forget(join(root, UUID_MAP_DIR, vf));
}

function forget(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
