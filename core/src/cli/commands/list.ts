// mdevctl list (and lsmdev): running or defined devices, as text or JSON.

import { Command, Option } from 'clipanion';
import { EXTENDED_HELP, MdevctlCommand } from './base.js';
import { optionalName, optionalUuid } from '../values.js';

export const LIST_DETAILS = `
  With no options, information about the currently running mediated devices is provided. Specifying 'defined' lists the configuration of defined devices, regardless of their running state. This may be further reduced by specifying specific 'uuid' or 'parent' devices to list. The 'dumpjson' option provides output listing in machine readable JSON format. When a 'uuid' option is provided and the result is a single device, the output contains only the JSON fields necessary to recreate a config file for the device (minus attributes for listings of running devices). When the verbose option is provided, the human readable listing will include attributes for the device(s).
`;

export class ListCommand extends MdevctlCommand {
  static override paths = [['list']];
  static override usage = Command.Usage({
    description: 'List mediated devices',
    details: LIST_DETAILS,
    examples: [
      ['List running devices', 'mdevctl list'],
      ['List defined devices with their attributes', 'mdevctl list -dv'],
      ['Dump one definition as JSON', 'mdevctl list -d -u 783e6dbb-ea0e-411f-94e2-717eaad438bf --dumpjson'],
    ],
  });

  defined = Option.Boolean('-d,--defined', false, { description: 'Show defined devices' });
  dumpjson = Option.Boolean('--dumpjson', false, { description: 'Output device list in json format' });
  verbose = Option.Boolean('-v,--verbose', false, { description: 'Print additional information about the devices' });
  uuid = Option.String('-u,--uuid', { description: 'List devices matching the specified UUID' });
  parent = Option.String('-p,--parent', { description: 'List devices associated with the specified Parent device' });
  extended = Option.Boolean('-x,--extended', false, { description: EXTENDED_HELP });

  async execute(): Promise<number> {
    const output = await this.context.app().list({
      defined: this.defined,
      dumpjson: this.dumpjson,
      verbose: this.verbose,
      uuid: optionalUuid(this.uuid),
      parent: optionalName(this.parent, '--parent <PARENT>'),
      extended: this.extended,
    });
    this.print(output);
    return 0;
  }
}

/** `lsmdev`: the same command at the top level of its own program. */
export class LsmdevCommand extends ListCommand {
  static override paths = [Command.Default];
}
