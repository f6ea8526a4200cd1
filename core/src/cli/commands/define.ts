// mdevctl define: write a definition from options, a JSON file, or a running device.

import { Command, Option } from 'clipanion';
import { FORCE_HELP, MdevctlCommand } from './base.js';
import { conflicts, optionalName, optionalUuid, requireOne } from '../values.js';

export class DefineCommand extends MdevctlCommand {
  static override paths = [['define']];
  static override usage = Command.Usage({
    description: 'Define a persistent mediated device',
    details: `
      If the device specified by the UUID currently exists, 'parent' and 'type' may be omitted to use the existing values. The 'auto' option marks the device to start on parent availability. If defined via 'jsonfile', then 'type', 'startup', and any attributes are provided via the file.

      Running devices are unaffected by this command.
    `,
    examples: [
      ['Define a manually started device', 'mdevctl define -u 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 -p mtty -t mtty-2'],
      ['Define from a JSON file (prints the new UUID)', 'mdevctl define -p matrix --jsonfile vfio_ap_device.json'],
      ['Promote a running device to a defined one', 'mdevctl define --uuid 6eba5b41-176e-40db-b93e-7f18e04e0b93'],
    ],
  });

  uuid = Option.String('-u,--uuid', { description: 'Assign UUID to the device' });
  auto = Option.Boolean('-a,--auto', false, { description: 'Automatically start device on parent availability' });
  parent = Option.String('-p,--parent', { description: 'Specify the parent of the device' });
  type = Option.String('-t,--type', { description: 'Specify the mdev type of the device' });
  jsonfile = Option.String('--jsonfile', { description: 'Specify device details in JSON format' });
  force = Option.Boolean('-f,--force', false, { description: FORCE_HELP });

  async execute(): Promise<number> {
    requireOne("'define'", { '--uuid': this.uuid, '--parent': this.parent });
    conflicts({ '--jsonfile': this.jsonfile, '--type': this.type });
    conflicts({ '--jsonfile': this.jsonfile, '--auto': this.auto });
    const uuid = optionalUuid(this.uuid);
    const device = await this.context.app().define(
      {
        uuid,
        parent: optionalName(this.parent, '--parent <PARENT>'),
        type: optionalName(this.type, '--type <TYPE>'),
        auto: this.auto,
        jsonfile: this.jsonfile,
      },
      this.force,
    );
    if (uuid === undefined) this.print(`${device.uuid}\n`);
    return 0;
  }
}
