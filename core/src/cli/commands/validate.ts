// mdevctl validate (ours, not upstream's): runs the checks of a start — core's and every plugin's
// validate stage — for stored definitions against the whole host, and prints every problem.

import { Command, Option } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { optionalName, optionalUuid } from '../values.js';
import { textSafe } from '../../output/escape.js';

export class ValidateCommand extends MdevctlCommand {
  static override paths = [['validate']];
  static override usage = Command.Usage({
    description: 'Check defined devices against the host without changing anything',
    details: `
      Runs the checks that 'start' runs first — mdevctl's own and every plugin's, such as vfio-ap queue conflicts — for every defined device, or for those the 'uuid' and 'parent' options pick, against all definitions and running devices of the host. Nothing is written and no callout script runs. Each problem is printed on its own line as '<parent>/<uuid>: error: <message>' (or 'warning:'). The exit status is 1 when any error was found, 0 otherwise (warnings alone do not fail). A run that finds no problem prints nothing on stdout and, when stderr is a terminal, one line there saying how many definitions it checked.
    `,
    examples: [
      ['Check every definition', 'mdevctl validate'],
      ['Check the definitions of one parent', 'mdevctl validate -p matrix'],
    ],
  });

  uuid = Option.String('-u,--uuid', { description: 'Check the definitions of this UUID' });
  parent = Option.String('-p,--parent', { description: 'Check the definitions of this parent device' });

  async execute(): Promise<number> {
    const report = await this.context.app().validate({
      uuid: optionalUuid(this.uuid),
      parent: optionalName(this.parent, '--parent <PARENT>'),
    });
    if (report.lines.length > 0) this.print(`${report.lines.map(textSafe).join('\n')}\n`);
    // A clean run says what it did, on stderr and only to a terminal (as the progress lines):
    // stdout holds problem lines only, and what scripts see of a clean run stays empty.
    else if ((this.context.stderr as { isTTY?: boolean }).isTTY === true) {
      this.context.stderr.write(`Checked ${report.checked} definition${report.checked === 1 ? '' : 's'}: no problems found\n`);
    }
    return report.errors > 0 ? 1 : 0;
  }
}
