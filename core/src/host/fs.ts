// The small file-system questions asked all over core, answered once: what is at a path (file,
// directory, symlink; following symlinks unless said), a file's text if it is there, and the
// errno code of a failed call. Nothing here throws for a path that is absent or unreadable.

import { lstatSync, readFileSync, statSync } from 'node:fs';

/** What `path` is (following symlinks): a regular file, a directory, or undefined (absent, other, unreadable). */
export function kindOf(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

/** True when `path` is a regular file (following symlinks). */
export const isFile = (path: string): boolean => kindOf(path) === 'file';

/** True when `path` is a directory (following symlinks). */
export const isDir = (path: string): boolean => kindOf(path) === 'dir';

/** True when `path` itself is a symlink. */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The file's text, or undefined when it cannot be read (absent, a directory, no permission). */
export function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The errno code (`ENOENT`) of a failed fs call, or undefined for any other error. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
