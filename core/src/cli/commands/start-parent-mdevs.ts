// mdevctl start-parent-mdevs PARENT (hidden): run by the udev rule when a parent appears;
// starts its `auto` definitions, logging each failure and going on.

import { Option } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { nameValue } from '../values.js';

export class StartParentMdevsCommand extends MdevctlCommand {
  static override paths = [['start-parent-mdevs']];
  static readonly hidden = true;

  parent = Option.String({ name: 'parent', required: true });

  async execute(): Promise<number> {
    await this.context.app().startParentMdevs(nameValue(this.parent, '<PARENT>'));
    return 0;
  }
}
