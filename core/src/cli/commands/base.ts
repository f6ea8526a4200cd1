// Shared pieces of the command classes: the -f/--force and -x/--extended option texts, and stdout
// writing.

import { Command } from 'clipanion';
import type { CliContext } from '../context.js';

export const FORCE_HELP =
  'Force command execution even if device-specific callout script fails. ' +
  'NOTE: only use this option if you are sure you know what you are doing';

/** `-x/--extended` of list, lsmdev and types: the only way plugins' listing data is shown. */
export const EXTENDED_HELP =
  'Also show which plugins claim each entry and what they add to it (extra lines, or JSON fields with --dumpjson)';

export abstract class MdevctlCommand extends Command<CliContext> {
  protected print(text: string): void {
    if (text.length > 0) this.context.stdout.write(text);
  }
}
