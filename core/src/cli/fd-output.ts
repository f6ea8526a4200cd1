// How the programs' bytes reach fd 1 and 2: write(2) on the fd itself, not through
// process.stdout/stderr (which build a net.Socket or tty.WriteStream on first use, a cost on every
// run, and crash the process with an EPIPE stack trace when the reader has gone). Each write
// loops until every byte is written: a short write continues, EAGAIN (a non-blocking pipe that
// another process shares with us) waits briefly for the reader, EPIPE (the reader closed its end,
// as `mdevctl … | head` does) drops this and every later write to the fd, quietly.

import { readlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Exit status of a run whose stdout was closed by its reader (as a shell shows a SIGPIPE death). */
export const EXIT_STDOUT_CLOSED = 141;

type WriteFn = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

/** The longest pause between two tries on a full non-blocking pipe. */
const MAX_PAUSE_MS = 50;

let pauseCell: Int32Array | undefined;
function pause(ms: number): void {
  pauseCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(pauseCell, 0, 0, ms);
}

export class FdOutput {
  /** The reader closed its end (EPIPE): nothing more is written. */
  closed = false;
  private tty: boolean | undefined;

  /**
   * `fatal`: errors other than EPIPE are thrown (stdout: a full disk is the command's failure);
   * otherwise they end the writing quietly (stderr: there is nowhere left to report them).
   */
  constructor(
    readonly fd: number,
    private readonly fatal: boolean,
    private readonly writeFn: WriteFn = writeSync,
  ) {}

  /** Writes all of chunk; false when it was dropped (the fd is closed). */
  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let offset = 0;
    let waited = 0;
    while (offset < bytes.length) {
      let n: number;
      try {
        n = this.writeFn(this.fd, bytes, offset, bytes.length - offset);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A full pipe: as a blocking write would, wait for the reader (pauses growing to 50 ms).
          pause(Math.min(++waited, MAX_PAUSE_MS));
          continue;
        }
        if (code === 'EPIPE' || !this.fatal) {
          this.closed = true;
          return false;
        }
        throw err;
      }
      offset += n;
      waited = 0;
    }
    return true;
  }

  /** Whether the fd is a terminal (read by the progress line; a pipe or file never loads `tty`). */
  get isTTY(): boolean {
    if (this.tty === undefined) {
      // A pipe or file names itself so in /proc (one readlink, no Stats object); only a device
      // is asked of the terminal driver.
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${this.fd}`);
      } catch {
        /* a closed fd (or no /proc) is no terminal */
      }
      this.tty = target.startsWith('/dev/') && target !== '/dev/null' && (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(this.fd);
    }
    return this.tty;
  }

  /** The terminal's width (only asked of a terminal). */
  get columns(): number | undefined {
    const stream = this.fd === 1 ? process.stdout : this.fd === 2 ? process.stderr : undefined;
    return (stream as { columns?: number } | undefined)?.columns;
  }
}

export interface ProcessIO {
  readonly stdout: FdOutput;
  readonly stderr: FdOutput;
  readonly env: NodeJS.ProcessEnv;
}

/** The programs' own streams: fd 1 and 2 of this process, and its environment. */
export function processIO(): ProcessIO {
  return { stdout: new FdOutput(1, true), stderr: new FdOutput(2, false), env: process.env };
}

/** A run's exit status given its streams: non-zero when its stdout was closed before the end. */
export function finalStatus(stdout: unknown, status: number): number {
  return status === 0 && stdout instanceof FdOutput && stdout.closed ? EXIT_STDOUT_CLOSED : status;
}
