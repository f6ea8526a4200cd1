// mdevctl assert FILE (ours): for monitoring — exit 0 when the host matches a desired-state file,
// 1 with the drift listed (the steps apply would carry out) when it does not, and 3 when it could
// not be checked (the file or its record unreadable, a parent missing, a plan apply would refuse).

import { Command } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { FILE_DETAILS, desiredFailure, fileOption, jsonOption, pruneOption, waitOption, waitSeconds } from './desired-options.js';

/** assert's exit status when it could not tell whether the host matches (Nagios' UNKNOWN). */
export const ASSERT_UNKNOWN = 3;
import { formatPlanJson, formatPlanText } from '../../desired/format.js';

export class AssertCommand extends MdevctlCommand {
  static override paths = [['assert']];
  static override usage = Command.Usage({
    description: 'Check that the host matches a desired-state file',
    details: `
      ${FILE_DETAILS}

      The exit status is 0 when the defined and running devices match the file, and 1 when they do not; the drift is then printed as the steps apply would carry out, one per line (with --json, {"changed": true, "actions": [...]}). It is 3 when the host could not be checked — the file or its record cannot be read, a parent is missing, or the plan is one apply would refuse (the same whole-plan check) — with the reason on stderr (with --json, {"changed": false, "actions": [...], "error": "..."}). Nothing is written.
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
    try {
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
    } catch (err) {
      return desiredFailure(err, this.context, this.json, ASSERT_UNKNOWN);
    }
  }
}
