// Reads a device config given with --jsonfile (a path, or /dev/stdin as libvirt sends it),
// bounded in size (store/read-bounded.ts) and strictly decoded (model/device-config.ts).
// The command reads it before it takes the definitions lock (InputFiles.preload), so that a
// slow or stalled writer (libvirt feeding stdin) never holds up other mdevctl commands; the
// define stage then takes what was read, and a read or parse failure is reported there, at the
// point (and in the order) it always was.

import { MdevctlError, describeOsError } from '../../model/errors.js';
import { parseDeviceConfigBytes, type ConfigWarning, type DeviceConfig } from '../../model/device-config.js';
import { readConfigBytes } from '../../store/read-bounded.js';

/** Names of standard input; read from fd 0 (opening them fails when stdin is a socket). */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/** `warn`: where a value read with a change is reported (an unknown `start` read as manual). */
export function readDeviceJson(path: string, warn?: ConfigWarning): DeviceConfig {
  let buf: Buffer;
  try {
    buf = readConfigBytes(STDIN_PATHS.has(path) ? 0 : path);
  } catch (err) {
    throw new MdevctlError(`Unable to read file ${path}: ${describeOsError(err)}`);
  }
  return parseDeviceConfigBytes(buf, path, warn);
}

/** A preloaded config keeps its warnings until the define stage takes it. */
type Outcome = { readonly config: DeviceConfig; readonly warnings: string[] } | { readonly error: unknown };

/** The --jsonfile inputs of one application, read once, before the lock. */
export class InputFiles {
  private readonly outcomes = new Map<string, Outcome>();

  /** Reads and parses `path` now; what it gave (or the error) waits for `config`. */
  preload(path: string | undefined): void {
    if (path === undefined || this.outcomes.has(path)) return;
    try {
      const warnings: string[] = [];
      this.outcomes.set(path, { config: readDeviceJson(path, (w) => warnings.push(w)), warnings });
    } catch (error) {
      this.outcomes.set(path, { error });
    }
  }

  /** The config `path` holds: the preloaded one (or its error), else read now; its warnings go to `warn` once. */
  config(path: string, warn?: ConfigWarning): DeviceConfig {
    const outcome = this.outcomes.get(path);
    if (outcome === undefined) return readDeviceJson(path, warn);
    if ('error' in outcome) throw outcome.error;
    for (const w of outcome.warnings.splice(0)) warn?.(w);
    return outcome.config;
  }
}
