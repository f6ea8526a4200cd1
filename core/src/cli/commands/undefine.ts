// mdevctl undefine: remove definitions; running devices are untouched.

import { Command, Option } from 'clipanion';
import { FORCE_HELP, MdevctlCommand } from './base.js';
import { optionalName, requiredOption, uuidValue } from '../values.js';

export class UndefineCommand extends MdevctlCommand {
  static override paths = [['undefine']];
  static override usage = Command.Usage({
    description: 'Undefine a persistent mediated device',
    details: `
      Undefine, or remove a config for an mdev device. If a UUID exists for multiple parents, all will be removed unless a parent is specified.

      Running devices are unaffected by this command.
    `,
    examples: [['Remove the definition of a device', 'mdevctl undefine -u 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001']],
  });

  uuid = Option.String('-u,--uuid', { description: 'UUID of the device to be undefined' });
  parent = Option.String('-p,--parent', { description: 'Parent of the device to be undefined' });
  force = Option.Boolean('-f,--force', false, { description: FORCE_HELP });

  async execute(): Promise<number> {
    const uuid = uuidValue(requiredOption(this.uuid, '--uuid <UUID>'));
    await this.context.app().undefine(uuid, optionalName(this.parent, '--parent <PARENT>'), this.force);
    return 0;
  }
}
