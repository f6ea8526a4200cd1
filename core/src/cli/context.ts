// What every CLI command receives: the streams and the (lazily opened) application.

import type { BaseContext } from 'clipanion';
import type { Mdevctl } from '../app.js';

export interface CliContext extends BaseContext {
  /** The application, opened on first use (so `--help` never touches the host). */
  app(): Mdevctl;
}
