// Where the scripts live under the environment root, and their order: the usr/lib dir first,
// then the deprecated etc dir, each in byte order of the file names (SPEC §1, §8).

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CALLOUT_DIRS = ['usr/lib/mdevctl/scripts.d/callouts', 'etc/mdevctl.d/scripts.d/callouts'] as const;
export const NOTIFIER_DIRS = ['usr/lib/mdevctl/scripts.d/notifiers', 'etc/mdevctl.d/scripts.d/notifiers'] as const;

/** Absolute paths of the entries of the dirs (relative to root), directories left out. */
export function listScripts(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const rel of dirs) {
    const dir = join(root, rel);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a missing dir has no scripts
    }
    names.sort(compareBytes);
    for (const name of names) {
      const path = join(dir, name);
      if (!isDirectory(path)) out.push(path);
    }
  }
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a dangling link is still a script (that cannot be run, and is reported)
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
