// Logging on stderr in env_logger's format (`[2026-11-23T09:02:09Z WARN  mdevctl] text`),
// level from MDEVCTL_LOG: error, warn (default), info, debug. A message is one line: control
// characters from data in it (a parent dir named with a newline, an ESC in a file name) are
// escaped as in text output (output/escape.ts), so no warning can forge another line.

import type { Logger } from '@mdevctl/plugin-sdk';
import { textSafe } from '../output/escape.js';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LEVELS)[number];

export function parseLogLevel(value: string | undefined): LogLevel {
  const v = (value ?? '').toLowerCase();
  if (v === 'trace') return 'debug';
  if (v === 'off') return 'error';
  return (LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : 'warn';
}

export class StderrLogger implements Logger {
  private readonly max: number;
  constructor(
    readonly level: LogLevel,
    private readonly write: (line: string) => void = (l) => process.stderr.write(l),
  ) {
    this.max = LEVELS.indexOf(level);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): StderrLogger {
    return new StderrLogger(parseLogLevel(env['MDEVCTL_LOG']));
  }

  enabled(level: LogLevel): boolean {
    return LEVELS.indexOf(level) <= this.max;
  }

  error(message: string): void {
    this.emit('error', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  debug(message: string): void {
    this.emit('debug', message);
  }

  private emit(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.write(`[${stamp} ${level.toUpperCase().padEnd(5)} mdevctl] ${textSafe(message)}\n`);
  }
}
