// Errors shaped as the kernel's refusals (Node errno errors: `code`, negative `errno`), so that core
// reports a refusal mdevctl found itself before writing exactly as one the driver gave.

const ERRNO: Readonly<Record<string, number>> = { EPERM: 1, ENOENT: 2, EIO: 5, ENXIO: 6, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, ETIMEDOUT: 110 };

export function errnoError(code: keyof typeof ERRNO & string, message: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(message);
  err.code = code;
  err.errno = -(ERRNO[code] ?? 5);
  return err;
}

export function codeOf(err: unknown): string | undefined {
  const c = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof c === 'string' ? c : undefined;
}
