// Shared pieces of the command classes: the -f/--force option text and stdout writing.

import { Command } from 'clipanion';
import type { CliContext } from '../context.js';

export const FORCE_HELP =
  'Force command execution even if device-specific callout script fails. ' +
  'NOTE: only use this option if you are sure you know what you are doing';

export abstract class MdevctlCommand extends Command<CliContext> {
  protected print(text: string): void {
    if (text.length > 0) this.context.stdout.write(text);
  }
}
