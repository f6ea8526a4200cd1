// mdevctl list-all (0.x): every type of every parent, as 0.x printed them.

import { Command } from 'clipanion';
import { LEGACY_CATEGORY } from './base.js';
import { LegacyTypesCommand } from './list-types.js';

export class ListAllCommand extends LegacyTypesCommand {
  static override paths = [['list-all']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List all possible mdev types supported in the system (0.x; use types)',
    details: `
      Per parent: each type with its available instances, device API and description, as 0.x printed them.
    `,
    examples: [['List all possible mdev types supported in the system', 'mdevctl list-all']],
  });
  protected readonly availableOnly = false;
}
