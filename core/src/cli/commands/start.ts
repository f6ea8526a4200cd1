// mdevctl start: start a defined device, or a transient one from options or a JSON file.

import { Command, Option } from 'clipanion';
import { FORCE_HELP, MdevctlCommand } from './base.js';
import { conflicts, optionalName, optionalUuid, requireOne } from '../values.js';

export class StartCommand extends MdevctlCommand {
  static override paths = [['start']];
  static override usage = Command.Usage({
    description: 'Start a mediated device',
    details: `
      If the UUID is previously defined and unique, the UUID is sufficient to start the device (UUIDs may not collide between running devices). If a UUID is used in multiple defined configurations, the 'parent' is necessary to identify the device to be started. When specified with 'parent' and 'type', the device is fully specified and will be started based only on these parameters. The UUID is optional in this case. If not provided, a UUID is generated and returned as output. A 'jsonfile' may replace the 'type' specification and also include additional attributes to be applied to the started device.
    `,
    examples: [
      ['Start a defined device', 'mdevctl start -u 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001'],
      ['Start a transient device', 'mdevctl start -u 6eba5b41-176e-40db-b93e-7f18e04e0b93 -p 0000:00:02.0 --type i915-GVTg_V5_4'],
    ],
  });

  uuid = Option.String('-u,--uuid', { description: 'UUID of the device to start' });
  parent = Option.String('-p,--parent', { description: 'Parent of the device to start' });
  type = Option.String('-t,--type', { description: 'Mdev type of the device to start' });
  jsonfile = Option.String('--jsonfile', { description: 'Details of the device to be started, in JSON format' });
  force = Option.Boolean('-f,--force', false, { description: FORCE_HELP });

  async execute(): Promise<number> {
    requireOne("'start'", { '--uuid': this.uuid, '--parent': this.parent });
    conflicts({ '--jsonfile': this.jsonfile, '--type': this.type });
    const uuid = optionalUuid(this.uuid);
    const device = await this.context.app().start(
      {
        uuid,
        parent: optionalName(this.parent, '--parent <PARENT>'),
        type: optionalName(this.type, '--type <TYPE>'),
        jsonfile: this.jsonfile,
      },
      this.force,
    );
    if (uuid === undefined) this.print(`${device.uuid}\n`);
    return 0;
  }
}
