// What every CLI command receives: the streams, the (lazily opened) application, and the
// generated documentation files (main.ts provides them; a command imports no generator).

import type { BaseContext } from 'clipanion';
import type { Mdevctl } from '../app.js';
import type { GeneratedFile } from './docs/outputs.js';

export interface CliContext extends BaseContext {
  /** The application, opened on first use (so `--help` never touches the host). */
  app(): Mdevctl;
  /** The man pages and completion generated from the registered commands (loaded on demand). */
  generatedFiles(): Promise<GeneratedFile[]>;
}
