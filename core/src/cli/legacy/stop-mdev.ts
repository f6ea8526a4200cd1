// mdevctl stop-mdev UUID (0.x): `mdevctl stop -u UUID`.

import { Command, Option } from 'clipanion';
import { uuidValue } from '../values.js';
import { LEGACY_CATEGORY, LegacyCommand, UUID_ARG } from './base.js';

export class StopMdevCommand extends LegacyCommand {
  static override paths = [['stop-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Stop a running mdev; it stays saved (0.x; use stop)',
    details: `
      The 0.x form of 'mdevctl stop -u UUID'.
    `,
    examples: [
      ['Stop an mdev device (remove it, but it remains persistent)', 'mdevctl stop-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847'],
    ],
  });

  uuid = Option.String(UUID_ARG);

  protected replacement(): string {
    return `mdevctl stop -u ${this.uuid}`;
  }

  async execute(): Promise<number> {
    this.deprecated();
    await this.context.app().stop(uuidValue(this.uuid, '<mdev-UUID>'));
    return 0;
  }
}
