// mdevctl start-mdev UUID (0.x): `mdevctl start -u UUID`.

import { Command, Option } from 'clipanion';
import { uuidValue } from '../values.js';
import { LEGACY_CATEGORY, LegacyCommand, UUID_ARG } from './base.js';

export class StartMdevCommand extends LegacyCommand {
  static override paths = [['start-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Start a saved mdev (0.x; use start)',
    details: `
      The 0.x form of 'mdevctl start -u UUID': starts the device defined with this UUID.
    `,
    examples: [['Start an mdev device we already know about', 'mdevctl start-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847']],
  });

  uuid = Option.String(UUID_ARG);

  protected replacement(): string {
    return `mdevctl start -u ${this.uuid}`;
  }

  async execute(): Promise<number> {
    this.deprecated();
    await this.context.app().start({ uuid: uuidValue(this.uuid, '<mdev-UUID>') });
    return 0;
  }
}
