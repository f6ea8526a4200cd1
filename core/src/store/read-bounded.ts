// Reads a device config's bytes, at most MAX_CONFIG_BYTES + 1 of them: a huge or endless input
// (a big file, a device, a fifo fed forever) is cut short and then refused by decodeConfig,
// instead of exhausting memory. Reads go through one reused buffer and return a view of it, so a
// scan of thousands of definitions allocates nothing per file for its bytes.

import { closeSync, constants, openSync, readSync } from 'node:fs';
import { MAX_CONFIG_BYTES } from '../model/device-config.js';

/** Open flags of a definition read that must not follow a symlink (ELOOP when it is one). */
export const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

let scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * The bytes of `source` (a path, opened with `flags`, or an open fd such as 0), bounded: a view
 * of the reused buffer, valid until the next read (every caller decodes it at once).
 * `regular`: the path is known to be a regular file, where a short read is the end of it.
 */
export function readConfigBytes(source: string | number, flags: number = constants.O_RDONLY, regular = false): Buffer {
  if (typeof source === 'number') return readBounded(source, false);
  const fd = openSync(source, flags);
  try {
    return readBounded(fd, regular);
  } finally {
    closeSync(fd);
  }
}

function readBounded(fd: number, regular: boolean): Buffer {
  const limit = MAX_CONFIG_BYTES + 1;
  let total = 0;
  while (total < limit) {
    if (total === scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.min(scratch.length * 2, limit));
      scratch.copy(bigger, 0, 0, total);
      scratch = bigger;
    }
    const want = Math.min(scratch.length, limit) - total;
    const n = readSync(fd, scratch, total, want, null);
    total += n;
    if (n === 0 || (regular && n < want)) break;
  }
  return scratch.subarray(0, total);
}
