// A fresh simulated host (the built-in one) in a temp dir, for tests.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSimulatedHost, type SimulatedHostOptions } from '@mdevctl/plugin-sim';
import { tempDir } from './cli.js';

export interface SimHost {
  root: string;
  cleanup: () => void;
  /** Absolute path of a file under the root. */
  path: (rel: string) => string;
  read: (rel: string) => string;
  exists: (rel: string) => boolean;
  /** Definition file names under etc/mdevctl.d/<parent> (empty when the dir is absent). */
  definitions: (parent: string) => string[];
  /** uuids present in sys/bus/mdev/devices. */
  activeUuids: () => string[];
  available: (parent: string, type: string) => number;
}

export function simHost(options?: SimulatedHostOptions): SimHost {
  const { dir: root, cleanup } = tempDir('mdevctl-sim-');
  createSimulatedHost(root, options);
  const path = (rel: string) => join(root, rel);
  const list = (rel: string) => (existsSync(path(rel)) ? readdirSync(path(rel)).sort() : []);
  return {
    root,
    cleanup,
    path,
    read: (rel) => readFileSync(path(rel), 'utf8'),
    exists: (rel) => existsSync(path(rel)),
    definitions: (parent) => list(`etc/mdevctl.d/${parent}`),
    activeUuids: () => list('sys/bus/mdev/devices'),
    available: (parent, type) =>
      Number(readFileSync(path(`sys/class/mdev_bus/${parent}/mdev_supported_types/${type}/available_instances`), 'utf8')),
  };
}
