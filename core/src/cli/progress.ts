// A one-line progress indicator for long operations, drawn on stderr only when stderr is a
// terminal: what scripts parse (stdout, and stderr when it is a file or a pipe) never changes.
//
// While the line is shown, every other write to the same stream first erases it and draws it
// again after a complete line, so warnings and call-out output never end up glued to it.

export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean;
}

const ERASE = '\r\x1b[K';

export class Progress {
  private current = '';
  private readonly originalWrite: ProgressStream['write'];
  private readonly ownWrite: boolean;

  private constructor(private readonly stream: ProgressStream) {
    this.originalWrite = stream.write;
    this.ownWrite = Object.prototype.hasOwnProperty.call(stream, 'write');
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      if (this.current !== '') this.originalWrite.call(stream, ERASE);
      const ok = this.originalWrite.call(stream, chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (this.current !== '' && text.endsWith('\n')) this.originalWrite.call(stream, this.current);
      return ok;
    };
  }

  /** A progress line on `stream` when it is a terminal (and TERM is not `dumb`); else undefined. */
  static onTerminal(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): Progress | undefined {
    if (stream.isTTY !== true || env['TERM'] === 'dumb') return undefined;
    return new Progress(stream);
  }

  /** Shows `[done/total] text`, replacing what was shown. */
  update(done: number, total: number, text: string): void {
    const columns = (this.stream as { columns?: number }).columns ?? 80;
    const line = `[${done}/${total}] ${text}`;
    this.current = line.length >= columns ? `${line.slice(0, Math.max(columns - 2, 1))}…` : line;
    this.originalWrite.call(this.stream, ERASE + this.current);
  }

  /** Erases the line and gives the stream back. */
  finish(): void {
    if (this.current !== '') this.originalWrite.call(this.stream, ERASE);
    this.current = '';
    if (this.ownWrite) this.stream.write = this.originalWrite;
    else delete (this.stream as Partial<ProgressStream>).write;
  }
}

/** Runs `fn` with a progress line (or undefined when stderr is no terminal), always cleaned up. */
export async function withProgress<T>(
  stream: ProgressStream,
  env: NodeJS.ProcessEnv,
  fn: (progress: Progress | undefined) => Promise<T>,
): Promise<T> {
  const progress = Progress.onTerminal(stream, env);
  try {
    return await fn(progress);
  } finally {
    progress?.finish();
  }
}
