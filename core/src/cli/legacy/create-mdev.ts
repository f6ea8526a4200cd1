// mdevctl [--auto|--manual] create-mdev UUID PARENT TYPE (0.x): define, and start unless manual.

import { Command, Option } from 'clipanion';
import { MdevctlError, firstLine, messageOf } from '../../model/errors.js';
import { nameValue, uuidValue } from '../values.js';
import type { StartPolicy } from './layout.js';
import { AUTO_HELP, LEGACY_CATEGORY, LegacyCommand, MANUAL_HELP, UUID_ARG, chosenPolicy } from './base.js';

export class CreateMdevCommand extends LegacyCommand {
  static override paths = [['create-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Save an mdev and start it unless it is manual (0.x; use define and start)',
    details: `
      Defines the device ('mdevctl define -u UUID -p PARENT -t TYPE [--auto]') and, when its start policy is auto, starts it ('mdevctl start -u UUID -p PARENT'). Without --auto or --manual the policy is the 0.x system default: 'start=' in /etc/mdevctl.conf, else auto. As in 0.x, the options may also come before the command.
    `,
    examples: [
      ['Create an mdev device', 'mdevctl create-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847 0000:00:02.0 i915-GVTg_V4_8'],
      ['Save one without starting it', 'mdevctl --manual create-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847 mtty mtty-2'],
    ],
  });

  auto = Option.Boolean('--auto', false, AUTO_HELP);
  manual = Option.Boolean('--manual', false, MANUAL_HELP);
  uuid = Option.String(UUID_ARG);
  parent = Option.String({ name: 'parent-device', required: true });
  type = Option.String({ name: 'mdev_type', required: true });

  private policy: StartPolicy = 'auto';

  protected replacement(): string {
    const define = `mdevctl define -u ${this.uuid} -p ${this.parent} -t ${this.type}`;
    return this.policy === 'auto' ? `${define} --auto; mdevctl start -u ${this.uuid}` : define;
  }

  async execute(): Promise<number> {
    const start = chosenPolicy(this);
    this.policy = start;
    this.deprecated();
    const uuid = uuidValue(this.uuid, '<mdev-UUID>');
    const parent = nameValue(this.parent, '<parent-device>');
    const type = nameValue(this.type, '<mdev_type>');
    const app = this.context.app();
    await app.define({ uuid, parent, type, auto: start === 'auto' });
    if (start !== 'auto') return 0;
    try {
      await app.start({ uuid, parent });
    } catch (err) {
      // As in 0.x, a device that cannot start is not saved either: the definition is taken back
      // (forced: a pre call-out cannot keep it); if even that fails, the error says where it is.
      let note: string;
      try {
        await app.undefine(uuid, parent, true);
        note = `create-mdev: ${uuid} was not started, so its definition was removed again`;
      } catch (undo) {
        note = `create-mdev: ${uuid} is defined on ${parent} but not started (removing the definition failed: ${firstLine(messageOf(undo))})`;
      }
      throw new MdevctlError(`${messageOf(err)}\n${note}`, { cause: err });
    }
    return 0;
  }
}
