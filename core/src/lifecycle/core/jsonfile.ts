// Reads a device config given with --jsonfile (a path, or /dev/stdin as libvirt sends it),
// bounded in size (store/read-bounded.ts) and strictly decoded (model/device-config.ts).
// The command reads it before it takes the definitions lock (InputFiles.preload), so that a
// slow or stalled writer (libvirt feeding stdin) never holds up other mdevctl commands; the
// define stage then takes what was read, and a read or parse failure is reported there, at the
// point (and in the order) it always was.

import { MdevctlError, describeOsError } from '../../model/errors.js';
import { parseDeviceConfigBytes, type DeviceConfig } from '../../model/device-config.js';
import { readConfigBytes } from '../../store/read-bounded.js';

/** Names of standard input; read from fd 0 (opening them fails when stdin is a socket). */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

export function readConfigFile(path: string): DeviceConfig {
  let buf: Buffer;
  try {
    buf = readConfigBytes(STDIN_PATHS.has(path) ? 0 : path);
  } catch (err) {
    throw new MdevctlError(`Unable to read file ${path}: ${describeOsError(err)}`);
  }
  return parseDeviceConfigBytes(buf, path);
}

type Outcome = { readonly config: DeviceConfig } | { readonly error: unknown };

/** The --jsonfile inputs of one application, read once, before the lock. */
export class InputFiles {
  private readonly outcomes = new Map<string, Outcome>();

  /** Reads and parses `path` now; what it gave (or the error) waits for `config`. */
  preload(path: string | undefined): void {
    if (path === undefined || this.outcomes.has(path)) return;
    try {
      this.outcomes.set(path, { config: readConfigFile(path) });
    } catch (error) {
      this.outcomes.set(path, { error });
    }
  }

  /** The config `path` holds: the preloaded one (or its error), else read now. */
  config(path: string): DeviceConfig {
    const outcome = this.outcomes.get(path);
    if (outcome === undefined) return readConfigFile(path);
    if ('error' in outcome) throw outcome.error;
    return outcome.config;
  }
}
