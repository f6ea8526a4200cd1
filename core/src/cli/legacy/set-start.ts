// mdevctl set-start [--auto|--manual] UUID (0.x): `mdevctl modify -u UUID --auto|--manual` on every parent.

import { Command, Option } from 'clipanion';
import { uuidValue } from '../values.js';
import type { StartPolicy } from './layout.js';
import { AUTO_HELP, LEGACY_CATEGORY, LegacyCommand, MANUAL_HELP, UUID_ARG, chosenPolicy } from './base.js';

export class SetStartCommand extends LegacyCommand {
  static override paths = [['set-start']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Change the start policy of a saved mdev (0.x; use modify)',
    details: `
      The 0.x form of 'mdevctl modify -u UUID --auto|--manual', applied to the definitions under every parent. Without an option the 0.x system default policy is used: 'start=' in /etc/mdevctl.conf, else auto.
    `,
    examples: [['Start a saved mdev only on request', 'mdevctl set-start --manual ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847']],
  });

  auto = Option.Boolean('--auto', false, AUTO_HELP);
  manual = Option.Boolean('--manual', false, MANUAL_HELP);
  uuid = Option.String(UUID_ARG);

  private policy: StartPolicy = 'auto';

  protected replacement(): string {
    return `mdevctl modify -u ${this.uuid} --${this.policy}`;
  }

  async execute(): Promise<number> {
    const start = chosenPolicy(this);
    this.policy = start;
    this.deprecated();
    const uuid = uuidValue(this.uuid, '<mdev-UUID>');
    const app = this.context.app();
    const parents = (await app.whereIs(uuid)).definedOn;
    const change = { uuid, delattr: false, auto: start === 'auto', manual: start === 'manual', live: false, defined: false };
    if (parents.length === 0) await app.modify(change);
    for (const parent of parents) await app.modify({ ...change, parent });
    return 0;
  }
}
