// mdevctl types: the mdev types each parent supports, as text or JSON.

import { Command, Option } from 'clipanion';
import { EXTENDED_HELP, MdevctlCommand } from './base.js';
import { optionalName } from '../values.js';

export class TypesCommand extends MdevctlCommand {
  static override paths = [['types']];
  static override usage = Command.Usage({
    description: 'List available mediated device types',
    details: `
      Specifying a 'parent' lists only the types provided by the given parent device. The 'dumpjson' option provides output in machine readable JSON format.
    `,
    examples: [
      ['List mdev types supported on the host system', 'mdevctl types'],
      ['List the types of one parent as JSON', 'mdevctl types -p mtty --dumpjson'],
    ],
  });

  parent = Option.String('-p,--parent', { description: 'Show supported types for the specified parent' });
  dumpjson = Option.Boolean('--dumpjson', false, { description: 'Output mdev types list in JSON format' });
  extended = Option.Boolean('-x,--extended', false, { description: EXTENDED_HELP });

  async execute(): Promise<number> {
    const app = this.context.app();
    const parent = optionalName(this.parent, '--parent <PARENT>');
    this.print(await app.types({ parent, dumpjson: this.dumpjson, extended: this.extended }));
    return 0;
  }
}
