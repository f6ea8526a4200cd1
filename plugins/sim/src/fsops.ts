// Small synchronous file helpers for the simulated sysfs tree: attribute files with modes,
// atomic replacement (readers never see a half-written file), relative symlinks.

import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const MODE_RO = 0o444;
export const MODE_WO = 0o200;
export const MODE_RW = 0o644;

/** Creates (or overwrites) a file with `content` and `mode`, making its dir as needed. */
export function putFile(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
}

let tmpSeq = 0;

/** Replaces `path`'s content atomically (temp file in `tmpDir`, same filesystem, then rename). */
export function replaceFile(tmpDir: string, path: string, content: string, mode: number): void {
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${process.pid}.${tmpSeq++}.tmp`);
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** A symlink at `link` pointing to `target` (absolute) by a relative path, as sysfs does. */
export function linkTo(link: string, target: string): void {
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(link), target), link);
}

export function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Entry names of a dir, sorted; [] when it does not exist. */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export function makeDir(path: string): void {
  mkdirSync(path, { recursive: true });
}
