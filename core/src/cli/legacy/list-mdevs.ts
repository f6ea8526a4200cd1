// mdevctl list-mdevs (0.x): one line per running device.

import { Command } from 'clipanion';
import { LEGACY_CATEGORY, LegacyCommand } from './base.js';
import { textSafe } from '../../output/escape.js';

export class ListMdevsCommand extends LegacyCommand {
  static override paths = [['list-mdevs']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List currently configured mdevs (0.x; use list)',
    details: `
      One line per running device: 'UUID PARENT TYPE'.
    `,
    examples: [['List active mdev devices', 'mdevctl list-mdevs']],
  });

  protected replacement(): string {
    return 'mdevctl list';
  }

  async execute(): Promise<number> {
    this.deprecated();
    const entries = await this.context.app().devices();
    this.print(entries.map(({ device: d }) => `${textSafe(d.uuid)} ${textSafe(d.parent)} ${textSafe(d.type)}\n`).join(''));
    return 0;
  }
}
