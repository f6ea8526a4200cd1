// mdevctl list-saved (0.x): one line per definition, with its start policy.

import { Command } from 'clipanion';
import { LEGACY_CATEGORY, LegacyCommand } from './base.js';
import { textSafe } from '../../output/escape.js';

export class ListSavedCommand extends LegacyCommand {
  static override paths = [['list-saved']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List all persistent mdevs, including inactive ones (0.x; use list --defined)',
    details: `
      One line per definition: 'UUID PARENT TYPE START', START being auto or manual.
    `,
    examples: [['List saved mdev devices', 'mdevctl list-saved']],
  });

  protected replacement(): string {
    return 'mdevctl list --defined';
  }

  async execute(): Promise<number> {
    this.deprecated();
    const entries = await this.context.app().devices({ defined: true });
    this.print(entries.map(({ device: d }) => `${textSafe(d.uuid)} ${textSafe(d.parent)} ${textSafe(d.type)} ${textSafe(d.start)}\n`).join(''));
    return 0;
  }
}
