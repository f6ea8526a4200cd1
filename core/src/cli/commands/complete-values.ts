// mdevctl complete-values KIND [PARENT] (hidden): the values the bash completion offers (uuids,
// parents, types), one per line, from every device backend and the definitions — so that parents
// that are not on the mdev bus complete too. The completion script falls back to reading the mdev
// bus itself when mdevctl cannot run.

import { Command, Option } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { compareBytes } from '../../model/order.js';
import { UsageError } from '../../model/errors.js';
import { nameProblem } from '../../model/names.js';

const KINDS = ['uuid-active', 'uuid-defined', 'uuid-any', 'parent-registered', 'parent-any', 'type'] as const;
type Kind = (typeof KINDS)[number];

export class CompleteValuesCommand extends MdevctlCommand {
  static override paths = [['complete-values']];
  /** For the completion script only: not listed in help or the man page. */
  static readonly hidden = true;
  static override usage = Command.Usage({
    description: 'Print the values the bash completion offers (run by the completion script)',
    details: `
      Prints, one per line and sorted, the uuids (running, defined or either), the parents (present, or also those with definitions) or the types (of PARENT, else of every parent) of the host, from every device backend. KIND is one of ${KINDS.join(', ')}.
    `,
    examples: [['The types of mtty', 'mdevctl complete-values type mtty']],
  });

  kind = Option.String({ name: 'kind', required: true });
  parent = Option.String({ name: 'parent', required: false });

  async execute(): Promise<number> {
    if (!(KINDS as readonly string[]).includes(this.kind)) throw new UsageError(`Unknown kind '${this.kind}': one of ${KINDS.join(', ')}`);
    const app = this.context.app();
    await app.plugins();
    const host = app.host.view;
    const active = () => host.activeDevices().map((d) => d.uuid);
    const defined = () => host.definitions().map((d) => d.uuid);
    const values: Record<Kind, () => string[]> = {
      'uuid-active': active,
      'uuid-defined': defined,
      'uuid-any': () => [...active(), ...defined()],
      'parent-registered': () => host.parents(),
      'parent-any': () => [...host.parents(), ...host.definitions().map((d) => d.parent)],
      // A parent that is no name (`..`, a slash) has no types: nothing is read for it.
      type: () => {
        const parent = this.parent === '' ? undefined : this.parent;
        return parent !== undefined && nameProblem(parent) !== undefined ? [] : host.types(parent).map((t) => t.type);
      },
    };
    const out = [...new Set(values[this.kind as Kind]())].filter((v) => !v.includes('\n')).sort(compareBytes);
    this.print(out.map((v) => `${v}\n`).join(''));
    return 0;
  }
}
