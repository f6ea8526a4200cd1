// mdevctl start-parent-mdevs PARENT (hidden): run by the udev rule when a parent appears;
// starts its `auto` definitions, logging each failure and going on; exits 1 naming the devices
// that did not start (udev logs it; SPEC §8: upstream exits 0).

import { Command, Option } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { MdevctlError } from '../../model/errors.js';
import { nameValue } from '../values.js';
import { withProgress } from '../progress.js';

export class StartParentMdevsCommand extends MdevctlCommand {
  static override paths = [['start-parent-mdevs']];
  /** Not listed in the program's help (as upstream); its own --help works. */
  static readonly hidden = true;
  static override usage = Command.Usage({
    description: 'Start the automatically started devices of a parent (run by the udev rule)',
    details: `
      Starts every defined device of PARENT whose start policy is 'auto'. A device that fails to start is logged and the others are still started; then the command fails (exit status 1) with one line naming every device that did not start. A device already running on PARENT counts as started.
    `,
    examples: [['What the udev rule runs when mtty registers', 'mdevctl start-parent-mdevs mtty']],
  });

  parent = Option.String({ name: 'parent', required: true });

  async execute(): Promise<number> {
    const parent = nameValue(this.parent, '<PARENT>');
    // Progress only on a terminal (an admin running it by hand; udev's runs are never one).
    const down = await withProgress(this.context.stderr, this.context.env, (progress) =>
      this.context.app().startParentMdevs(parent, (done, total, uuid) => progress?.update(done, total, `starting ${uuid} on ${parent}`)),
    );
    if (down.length > 0) {
      throw new MdevctlError(`${down.length} auto device${down.length === 1 ? '' : 's'} of ${parent} did not start: ${down.join(', ')}`);
    }
    return 0;
  }
}
