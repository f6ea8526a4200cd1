// mdevctl assert FILE (ours): for monitoring — exit 0 when the host matches a desired-state file,
// 1 with the drift listed (the steps apply would carry out) when it does not.

import { Command } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { FILE_DETAILS, fileOption, jsonOption, pruneOption, waitOption, waitSeconds } from './desired-options.js';
import { formatPlanJson, formatPlanText } from '../../desired/format.js';

export class AssertCommand extends MdevctlCommand {
  static override paths = [['assert']];
  static override usage = Command.Usage({
    description: 'Check that the host matches a desired-state file',
    details: `
      ${FILE_DETAILS}

      The exit status is 0 when the defined and running devices match the file, and 1 when they do not; the drift is then printed as the steps apply would carry out, one per line (with --json, {"changed": true, "actions": [...]}). Nothing is written.
    `,
    examples: [
      ['A monitoring check', 'mdevctl assert desired.yaml'],
      ['At boot: wait for the parents, then check', 'mdevctl assert --wait-parents 60 desired.yaml'],
    ],
  });

  file = fileOption();
  prune = pruneOption('Count as drift');
  json = jsonOption();
  waitParents = waitOption();

  async execute(): Promise<number> {
    const wait = waitSeconds(this.waitParents);
    const { plan } = await (await this.context.app().desiredState()).diff(this.file, {
      prune: this.prune,
      ...(wait !== undefined ? { waitParents: wait } : {}),
      notice: (line) => this.context.stderr.write(`${line}\n`),
    });
    const drift = plan.steps.length > 0;
    if (this.json) this.print(formatPlanJson(plan, drift));
    else this.print(formatPlanText(plan));
    return drift ? 1 : 0;
  }
}
