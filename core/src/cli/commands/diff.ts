// mdevctl diff FILE (ours): the plan apply would carry out, checked as apply checks it (the same
// problems, the same exit status as apply --dry-run), without changing anything.

import { Command } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { FILE_DETAILS, desiredFailure, fileOption, jsonOption, pruneOption } from './desired-options.js';
import { formatPlanJson, formatPlanText } from '../../desired/format.js';

export class DiffCommand extends MdevctlCommand {
  static override paths = [['diff']];
  static override usage = Command.Usage({
    description: 'Show what apply would change to match a desired-state file',
    details: `
      ${FILE_DETAILS}

      Prints one line per step of the plan ('<action> <parent>/<uuid> <type> (<what>)'), nothing when the host matches the file; with --json, {"changed": true|false, "actions": [...]}. The plan is checked as a whole exactly as apply checks it: the same problems, the same exit status as 'apply --dry-run' — 0 when the plan may run (whether or not it changes anything; see 'assert'), 1 when apply would refuse it (with --json, {"changed": false, "actions": [...], "error": "..."}). Nothing is written.
    `,
    examples: [['What apply would do', 'mdevctl diff desired.yaml']],
  });

  file = fileOption();
  prune = pruneOption('Include removing');
  json = jsonOption();

  async execute(): Promise<number> {
    try {
      const { plan } = await (await this.context.app().desiredState()).diff(this.file, { prune: this.prune });
      this.print(this.json ? formatPlanJson(plan, plan.steps.length > 0) : formatPlanText(plan));
      return 0;
    } catch (err) {
      return desiredFailure(err, this.context, this.json, 1);
    }
  }
}
