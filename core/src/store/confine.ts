// Keeps definition reads and writes inside the environment root: a dir or file under
// etc/mdevctl.d that is a symlink resolving outside the root (or to nothing) is refused, so a
// planted link cannot make mdevctl, running as root, read or write files elsewhere. Paths that
// are plain dirs and files cost one realpath(3) call.
// Writes go further (openDirInside): the dir is opened once, where the opened dir really is is
// checked through its fd (/proc/self/fd/N), and every create, rename and unlink then goes through
// that fd's path — Node has no openat(2), and /proc/self/fd/N/name resolves from the opened
// dir itself, never from its name again — so a dir swapped for a link after the check changes nothing.

import { closeSync, constants, existsSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { isSymlink, errnoCode } from '../host/fs.js';

export class RootConfinement {
  private realRoot: string | undefined;

  constructor(private readonly root: string) {}

  /** Why `path` must not be used (it resolves outside the root, or nowhere); undefined if fine or absent. */
  problem(path: string): string | undefined {
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') {
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

  /**
   * Opens dir (made when absent, `made` first) and checks where the opened dir is; throws the
   * problem, if any. The caller closes the fd; `at(fd, name)` names an entry through it.
   */
  openDirInside(dir: string, create = false): number {
    this.assertInside(dir);
    if (create && !existsSync(dir)) {
      // Made through the fd of its checked parent dir, not by its name.
      const up = dirname(dir);
      if (!existsSync(up)) mkdirSync(up, { recursive: true });
      const upFd = this.openDirInside(up);
      try {
        mkdirSync(RootConfinement.at(upFd, up, basename(dir)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        closeSync(upFd);
      }
    }
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    if (!FD_PATHS) return fd;
    let real: string;
    try {
      real = realpathSync.native(`/proc/self/fd/${fd}`);
    } catch (err) {
      closeSync(fd);
      throw new MdevctlError(`Unable to resolve ${dir}: ${describeOsError(err)}`);
    }
    if (!this.isInside(real)) {
      closeSync(fd);
      throw new MdevctlError(`${dir} leads outside the environment root ${this.root} (to ${real}); not using it`);
    }
    return fd;
  }

  /** The path of `name` in the dir open as `fd` (openDirInside), resolved from that dir, not from its name. */
  static at(fd: number, dir: string, name: string): string {
    return FD_PATHS ? `/proc/self/fd/${fd}/${name}` : `${dir}/${name}`;
  }

  /** Whether `real` (a resolved path) is the root or under it. */
  isInside(real: string): boolean {
    const root = this.resolvedRoot();
    return real === root || real.startsWith(root === sep ? root : root + sep);
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

/** Whether /proc/self/fd paths work here (Linux with /proc mounted); else the checked paths are used. */
const FD_PATHS = existsSync('/proc/self/fd');
