// mdevctl list-available (0.x): as list-all, without the types that have no instance left.

import { Command } from 'clipanion';
import { LEGACY_CATEGORY } from './base.js';
import { LegacyTypesCommand } from './list-types.js';

export class ListAvailableCommand extends LegacyTypesCommand {
  static override paths = [['list-available']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List all mdev types currently available (0.x; use types)',
    details: `
      As 'list-all', leaving out the types without an available instance.
    `,
    examples: [['List the types that can still be created', 'mdevctl list-available']],
  });
  protected readonly availableOnly = true;
}
