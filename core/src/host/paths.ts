// Every host path mdevctl touches, derived from the environment root (MDEVCTL_ENV_ROOT).

import { join, resolve } from 'node:path';

export class HostPaths {
  readonly root: string;
  /** etc/mdevctl.d: one dir per parent, one JSON file per uuid. */
  readonly configBase: string;
  /** etc/mdevctl.d/scripts.d: deprecated script dirs, not a parent. */
  readonly configScriptsBase: string;
  /** usr/lib/mdevctl/scripts.d */
  readonly scriptsBase: string;
  /** sys/bus/mdev/devices: one symlink per active device. */
  readonly mdevBase: string;
  /** sys/class/mdev_bus: one symlink per parent. */
  readonly parentBase: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.configBase = join(this.root, 'etc/mdevctl.d');
    this.configScriptsBase = join(this.configBase, 'scripts.d');
    this.scriptsBase = join(this.root, 'usr/lib/mdevctl/scripts.d');
    this.mdevBase = join(this.root, 'sys/bus/mdev/devices');
    this.parentBase = join(this.root, 'sys/class/mdev_bus');
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): HostPaths {
    const root = env['MDEVCTL_ENV_ROOT'];
    return new HostPaths(root === undefined || root === '' ? '/' : root);
  }

  /** The dirs that must exist at start-up (SPEC §1). */
  requiredDirs(): string[] {
    return [this.configBase, join(this.scriptsBase, 'callouts'), join(this.scriptsBase, 'notifiers')];
  }

  definitionDir(parent: string): string {
    return join(this.configBase, parent);
  }

  definitionFile(parent: string, uuid: string): string {
    return join(this.configBase, parent, uuid);
  }

  device(uuid: string): string {
    return join(this.mdevBase, uuid);
  }

  parentDir(parent: string): string {
    return join(this.parentBase, parent);
  }

  typeDir(parent: string, type: string): string {
    return join(this.parentBase, parent, 'mdev_supported_types', type);
  }
}
