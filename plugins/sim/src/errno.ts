// Node-shaped errno errors (as fs.openSync / fs.writeSync throw them) and the kernel's
// kstrtoul(buf, 0) parser that sysfs store functions use.

export type SimErrnoCode =
  | 'ENOENT'
  | 'EACCES'
  | 'EEXIST'
  | 'EINVAL'
  | 'ENOSPC'
  | 'ENODEV'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ERANGE'
  | 'EBUSY'
  | 'EPERM'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EUSERS';

const TABLE: Record<SimErrnoCode, [errno: number, message: string]> = {
  EPERM: [-1, 'operation not permitted'],
  ENOENT: [-2, 'no such file or directory'],
  EACCES: [-13, 'permission denied'],
  EBUSY: [-16, 'resource busy or locked'],
  EEXIST: [-17, 'file already exists'],
  ENODEV: [-19, 'no such device'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EINVAL: [-22, 'invalid argument'],
  ENOSPC: [-28, 'no space left on device'],
  ERANGE: [-34, 'result too large'],
  // libuv has no name for EUSERS: node reports it as UNKNOWN with the raw errno.
  EUSERS: [-87, 'unknown error'],
  EADDRINUSE: [-98, 'address already in use'],
  EADDRNOTAVAIL: [-99, 'address not available'],
};

export interface SysError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

/** The error node would throw for `code` from `syscall` (open errors carry the path). */
export function sysError(code: SimErrnoCode, syscall: 'open' | 'write', path?: string): SysError {
  const [errno, text] = TABLE[code];
  const nodeCode = code === 'EUSERS' ? 'UNKNOWN' : code;
  const where = path !== undefined ? ` '${path}'` : '';
  const err = new Error(`${nodeCode}: ${text}, ${syscall}${where}`);
  const fields: { code: string; errno: number; syscall: string; path?: string } = { code: nodeCode, errno, syscall };
  if (path !== undefined) fields.path = path;
  return Object.assign(err, fields);
}

/** Whether `e` is a node errno error with this code. */
export function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

function digit(c: string): number {
  const n = parseInt(c, 16);
  return Number.isNaN(n) ? 99 : n;
}

const ULONG_MAX = (1n << 64n) - 1n;

/**
 * kstrtoul(buf, 0): optional '+', base from the prefix (0x → 16, 0 → 8, else 10), digits,
 * then at most one '\n'. Returns the value, or the errno the kernel would return.
 */
export function kstrtoul(input: string): bigint | 'EINVAL' | 'ERANGE' {
  // sysfs hands the store function a NUL-terminated copy.
  const nul = input.indexOf('\0');
  let s = nul >= 0 ? input.slice(0, nul) : input;
  if (s.startsWith('+')) s = s.slice(1);
  let base = 10;
  if (s[0] === '0') {
    if (s[1]?.toLowerCase() === 'x' && digit(s[2] ?? '') < 16) {
      base = 16;
      s = s.slice(2);
    } else {
      base = 8;
    }
  }
  let value = 0n;
  let used = 0;
  let overflow = false;
  while (used < s.length) {
    const d = digit(s[used] ?? '');
    if (d >= base) break;
    value = value * BigInt(base) + BigInt(d);
    if (value > ULONG_MAX) overflow = true;
    used++;
  }
  if (overflow) return 'ERANGE';
  if (used === 0) return 'EINVAL';
  let rest = s.slice(used);
  if (rest.startsWith('\n')) rest = rest.slice(1);
  return rest === '' ? value : 'EINVAL';
}
