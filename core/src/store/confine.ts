// Keeps definition reads and writes inside the environment root: a dir or file under
// etc/mdevctl.d that is a symlink resolving outside the root (or to nothing) is refused, so a
// planted link cannot make mdevctl, running as root, read or write files elsewhere. Paths that
// are plain dirs and files cost one realpath(3) call.

import { lstatSync, realpathSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { MdevctlError, describeOsError } from '../model/errors.js';

export class RootConfinement {
  private realRoot: string | undefined;

  constructor(private readonly root: string) {}

  /** Why `path` must not be used (it resolves outside the root, or nowhere); undefined if fine or absent. */
  problem(path: string): string | undefined {
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        return `Unable to resolve ${path}: ${describeOsError(err)}`;
      }
      if (isSymlink(path)) return `${path} is a symbolic link to nothing; not using it`;
      // Absent: what would be created in it must stay inside too (its dir may be a link out).
      const up = dirname(path);
      return up === path || resolve(path) === resolve(this.root) ? undefined : this.problem(up);
    }
    const root = this.resolvedRoot();
    if (real === root || real.startsWith(root === sep ? root : root + sep)) return undefined;
    return `${path} leads outside the environment root ${this.root} (to ${real}); not using it`;
  }

  /** Throws the problem of `path`, if any. */
  assertInside(path: string): void {
    const problem = this.problem(path);
    if (problem !== undefined) throw new MdevctlError(problem);
  }

  private resolvedRoot(): string {
    if (this.realRoot === undefined) {
      try {
        this.realRoot = realpathSync.native(this.root);
      } catch {
        this.realRoot = resolve(this.root);
      }
    }
    return this.realRoot;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
