// mdevctl stop: remove a running device (its definition stays).

import { Command, Option } from 'clipanion';
import { FORCE_HELP, MdevctlCommand } from './base.js';
import { requiredOption, uuidValue } from '../values.js';

export class StopCommand extends MdevctlCommand {
  static override paths = [['stop']];
  static override usage = Command.Usage({
    description: 'Stop a mediated device',
    examples: [['Stop a running device', 'mdevctl stop -u 83c32df7-d52e-4ec1-9668-1f3c7e4df107']],
  });

  uuid = Option.String('-u,--uuid', { description: 'UUID of the device to stop' });
  force = Option.Boolean('-f,--force', false, { description: FORCE_HELP });

  async execute(): Promise<number> {
    await this.context.app().stop(uuidValue(requiredOption(this.uuid, '--uuid <UUID>')), this.force);
    return 0;
  }
}
