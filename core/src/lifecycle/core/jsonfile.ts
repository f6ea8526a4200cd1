// Reads a device config given with --jsonfile (a path, or /dev/stdin as libvirt sends it).

import { readFileSync } from 'node:fs';
import { MdevctlError, describeOsError } from '../../model/errors.js';
import { parseDeviceConfig, type DeviceConfig } from '../../model/device-config.js';

/** Largest config accepted: a definition is a few hundred bytes; this bounds hostile input. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Names of standard input; read from fd 0 (opening them fails when stdin is a socket). */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

export function readConfigFile(path: string): DeviceConfig {
  let buf: Buffer;
  try {
    buf = STDIN_PATHS.has(path) ? readFileSync(0) : readFileSync(path);
  } catch (err) {
    throw new MdevctlError(`Unable to read file ${path}: ${describeOsError(err)}`);
  }
  if (buf.length > MAX_CONFIG_BYTES) {
    throw new MdevctlError(`Invalid device config in ${path}: larger than ${MAX_CONFIG_BYTES} bytes`);
  }
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let decoded: string;
  try {
    decoded = text.decode(buf);
  } catch {
    throw new MdevctlError(`Invalid device config in ${path}: not valid UTF-8`);
  }
  return parseDeviceConfig(decoded, path);
}
