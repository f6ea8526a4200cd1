// Reads a device config's bytes, at most MAX_CONFIG_BYTES + 1 of them: a huge or endless input
// (a big file, a device, a fifo fed forever) is cut short and then refused by decodeConfig,
// instead of exhausting memory.

import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_CONFIG_BYTES } from '../model/device-config.js';

/** The bytes of `source` (a path, or an open fd such as 0), bounded. */
export function readConfigBytes(source: string | number): Buffer {
  if (typeof source === 'number') return readBounded(source);
  const fd = openSync(source, 'r');
  try {
    return readBounded(fd);
  } finally {
    closeSync(fd);
  }
}

function readBounded(fd: number): Buffer {
  const limit = MAX_CONFIG_BYTES + 1;
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}
