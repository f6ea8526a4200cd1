// Where mdevctl's configuration file is, without loading anything: MDEVCTL_CONFIG when set, else
// the first of the search places that exists in ROOT/etc/mdevctl.d. Only a few stat() calls, so
// a host without a configuration file never loads cosmiconfig.

import { isAbsolute, join, resolve } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { isFile } from '../host/fs.js';

/** The environment variable naming the configuration file (instead of the search). */
export const CONFIG_ENV = 'MDEVCTL_CONFIG';

/** Searched in this order in ROOT/etc/mdevctl.d; the first that exists is the only one read. */
export const SEARCH_PLACES: readonly string[] = [
  'mdevctl.config.json',
  'mdevctl.config.yaml',
  'mdevctl.config.yml',
  'mdevctl.config.js',
  'mdevctl.config.mjs',
  'mdevctl.config.cjs',
];

export interface ConfigLocation {
  readonly file: string;
  /** True when it came from MDEVCTL_CONFIG (it must then exist). */
  readonly explicit: boolean;
}

/**
 * The configuration file that applies, or undefined when there is none. `override` (the
 * MDEVCTL_CONFIG value, or a path an embedder gives) is taken as is — relative to the working
 * directory, not under the root.
 */
export function findConfigFile(paths: HostPaths, override: string | undefined): ConfigLocation | undefined {
  if (override !== undefined && override !== '') {
    return { file: isAbsolute(override) ? override : resolve(override), explicit: true };
  }
  for (const place of SEARCH_PLACES) {
    const file = join(paths.configBase, place);
    if (isFile(file)) return { file, explicit: false };
  }
  return undefined;
}

