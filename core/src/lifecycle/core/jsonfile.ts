// Reads a device config given with --jsonfile (a path, or /dev/stdin as libvirt sends it),
// bounded in size (store/read-bounded.ts) and strictly decoded (model/device-config.ts).

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
