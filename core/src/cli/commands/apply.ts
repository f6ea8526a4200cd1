// mdevctl apply FILE (ours): make the host match a desired-state file — plan, check the whole
// plan at once (nothing is written when anything is wrong), then carry out each step through the
// lifecycle pipeline, call-outs included. A second apply of the same file changes nothing.

import { Command, Option } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { FILE_DETAILS, desiredFailure, fileOption, jsonOption, pruneOption, waitOption, waitSeconds } from './desired-options.js';
import { withProgress } from '../progress.js';
import { formatPlanJson, formatPlanText } from '../../desired/format.js';
import { quoted } from '../../model/names.js';

export class ApplyCommand extends MdevctlCommand {
  static override paths = [['apply']];
  static override usage = Command.Usage({
    description: 'Make the defined and running devices match a desired-state file',
    details: `
      ${FILE_DETAILS}

      The plan (define, modify, undefine, start, stop) is checked as a whole first — every pool must hold what it starts and every step passes the checks a single command runs (mdevctl's and every plugin's, such as vfio-ap queue conflicts between two desired devices), against the host as it will be — and refused whole if anything is wrong: nothing is written and no callout script runs. Then each step runs as the single command would, callout scripts included, stops and undefines first. When a step fails, the steps already done are taken back and the command fails; if the process dies half-way, the next command takes back the step in flight and applying the file again finishes the job.

      Prints each step done (nothing when the host already matches); with --json, {"changed": true|false, "actions": [...]}, and on a failure too: {"changed", "actions" (the plan), "error" (the lines on stderr)}. Exit status: 0 done (or nothing to do), 1 refused or failed (a failure half-way takes back what it did; "changed" is true only when something could not be taken back), 2 bad usage. Without --prune, the devices the file's record lists that the file no longer lists are left alone, and a line on stderr says how many. A progress line is drawn on stderr when it is a terminal.
    `,
    examples: [
      ['Apply a file', 'mdevctl apply /etc/mdevctl/desired.yaml'],
      ['Show the plan without changing anything', 'mdevctl apply --dry-run desired.yaml'],
      ['Apply at boot, once the GPUs are registered, for a tool', 'mdevctl apply --wait-parents 60 --json desired.yaml'],
    ],
  });

  file = fileOption();
  dryRun = Option.Boolean('-n,--dry-run', false, { description: 'Print the plan only; change nothing' });
  prune = pruneOption('Also remove');
  json = jsonOption();
  waitParents = waitOption();

  async execute(): Promise<number> {
    const extra = this.dryRun ? { dry_run: true } : {};
    try {
      const wait = waitSeconds(this.waitParents);
      const desired = await this.context.app().desiredState();
      const result = await withProgress(this.context.stderr, this.context.env, (progress) =>
        desired.apply(this.file, {
          prune: this.prune,
          dryRun: this.dryRun,
          ...(wait !== undefined ? { waitParents: wait } : {}),
          notice: (line) => this.context.stderr.write(`${line}\n`),
          ...(progress ? { onStep: (done: number, total: number, s: { action: string; uuid: string; parent: string }) => progress.update(done, total, `${s.action} ${s.parent}/${s.uuid}`) } : {}),
        }),
      );
      if (this.json) this.print(formatPlanJson(result.plan, this.dryRun ? result.plan.steps.length > 0 : result.changed, extra));
      else this.print(formatPlanText(result.plan));
      const n = result.plan.unlisted;
      if (n > 0) {
        const whose = result.file.profile !== undefined ? `the record of profile ${quoted(result.file.profile)}` : 'its record';
        this.context.stderr.write(`${n} device${n === 1 ? '' : 's'} in ${whose} that the file no longer lists ${n === 1 ? 'was' : 'were'} left alone (apply --prune removes them)\n`);
      }
      return 0;
    } catch (err) {
      return desiredFailure(err, this.context, this.json, 1, extra);
    }
  }
}
