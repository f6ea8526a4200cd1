// Writes that check write(2)'s returned count. `writeAll` loops until every byte is written (a
// regular file on a nearly full file system takes part of a write, then fails with ENOSPC);
// `writeWhole` is for a sysfs attribute, where one write(2) is one store call of the kernel and
// a second call with the rest would be another value: a short count there is an error.

import { writeSync } from 'node:fs';

/** An errno-shaped error for a write that stopped short without one (errno EIO). */
export function shortWriteError(written: number, total: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`short write: ${written} of ${total} bytes written`);
  err.code = 'EIO';
  err.errno = -5;
  return err;
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data) : data;
}

/** Writes all of `data` to fd (from `position`, else the file offset); throws when that fails. */
export function writeAll(fd: number, data: string | Uint8Array, position?: number): void {
  const bytes = bytesOf(data);
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done, position === undefined ? null : position + done);
    // write(2) returning 0 for a non-empty buffer: no progress is possible.
    if (n <= 0) throw shortWriteError(done, bytes.length);
    done += n;
  }
}

/** One write(2) of all of `data`; a short count is an error (nothing is written twice). */
export function writeWhole(fd: number, data: string | Uint8Array): void {
  const bytes = bytesOf(data);
  const n = writeSync(fd, bytes, 0, bytes.length, null);
  if (n !== bytes.length) throw shortWriteError(n, bytes.length);
}
