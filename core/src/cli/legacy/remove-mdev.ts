// mdevctl remove-mdev UUID (0.x): stop the device if it runs, then undefine it everywhere.

import { Command, Option } from 'clipanion';
import { MdevctlError } from '../../model/errors.js';
import { uuidValue } from '../values.js';
import { LEGACY_CATEGORY, LegacyCommand, UUID_ARG } from './base.js';

export class RemoveMdevCommand extends LegacyCommand {
  static override paths = [['remove-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Remove a saved mdev, stopping it if active (0.x; use stop and undefine)',
    details: `
      Stops the device when it runs ('mdevctl stop -u UUID'), then removes its definitions under every parent ('mdevctl undefine -u UUID'). It is an error when the UUID is neither running nor defined.
    `,
    examples: [['Remove an mdev, stopping it if active', 'mdevctl remove-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847']],
  });

  uuid = Option.String(UUID_ARG);

  protected replacement(): string {
    return `mdevctl stop -u ${this.uuid}; mdevctl undefine -u ${this.uuid}`;
  }

  async execute(): Promise<number> {
    this.deprecated();
    const uuid = uuidValue(this.uuid, '<mdev-UUID>');
    const app = this.context.app();
    const where = await app.whereIs(uuid);
    const active = where.running;
    const defined = where.definedOn.length + where.unreadable > 0;
    if (!active && !defined) throw new MdevctlError('No devices match the specified uuid');
    if (active) await app.stop(uuid);
    if (defined) await app.undefine(uuid, undefined);
    return 0;
  }
}
