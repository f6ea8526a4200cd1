// Errors a user sees as one line on stderr. Anything else escaping is an internal error.

/** A failure to report as `Error: <message>` with exit status 1. */
export class MdevctlError extends Error {
  override readonly name = 'MdevctlError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad command-line usage: reported as `error: <message>` with exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Several problems found at once (the validate stage); each is one line. */
export class ValidationFailed extends MdevctlError {
  constructor(
    readonly problems: readonly string[],
    /** Who reported them (`mdevctl` for core's own checks, else a plugin's name), when known. */
    readonly sources: readonly string[] = [],
  ) {
    super(problems.join('\n'));
  }
}

const ERRNO_TEXT: Record<string, [string, number]> = {
  EPERM: ['Operation not permitted', 1],
  ENOENT: ['No such file or directory', 2],
  EIO: ['Input/output error', 5],
  EACCES: ['Permission denied', 13],
  EBUSY: ['Device or resource busy', 16],
  EEXIST: ['File exists', 17],
  ENODEV: ['No such device', 19],
  ENOTDIR: ['Not a directory', 20],
  EISDIR: ['Is a directory', 21],
  EINVAL: ['Invalid argument', 22],
  ENOSPC: ['No space left on device', 28],
  EROFS: ['Read-only file system', 30],
  ERANGE: ['Numerical result out of range', 34],
  ENOTSUP: ['Operation not supported', 95],
  EADDRINUSE: ['Address already in use', 98],
  EADDRNOTAVAIL: ['Cannot assign requested address', 99],
};
const ERRNO_BY_NUMBER: Record<number, string> = { 87: 'Too many users' };

/** Describes a Node fs error like Rust's io::Error does: `File exists (os error 17)`. */
export function describeOsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const known = ERRNO_TEXT[e.code];
    if (known) return `${known[0]} (os error ${known[1]})`;
    if (typeof e.errno === 'number') {
      const n = Math.abs(e.errno);
      const text = ERRNO_BY_NUMBER[n];
      if (text) return `${text} (os error ${n})`;
      return `${e.code} (os error ${n})`;
    }
    return e.code;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The single line a user sees for any error. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The first non-blank line of a message, trimmed (a plugin's or a hint's one line). */
export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? text;
}
