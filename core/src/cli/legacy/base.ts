// What the deprecated 0.x commands share: their help category, the deprecation notice (and the
// hint to import 0.x definitions), the --auto/--manual policy with 0.x's default, and moving the
// 0.x script's leading --auto/--manual behind the command (`reorderLegacyArgs`).

import { textSafe } from '../../output/escape.js';
import { HostPaths } from '../../host/paths.js';
import { MdevctlCommand } from '../commands/base.js';
import { conflicts } from '../values.js';
import { legacyDefaultStart, pendingLegacy, type StartPolicy } from './layout.js';

export { LEGACY_CATEGORY, LEGACY_COMMAND_NAMES, reorderLegacyArgs } from './names.js';

export abstract class LegacyCommand extends MdevctlCommand {
  /** The 1.x command(s) to use instead, as shown in the deprecation notice. */
  protected abstract replacement(): string;

  /** The notice, then a hint when 0.x definitions are waiting to be imported. */
  protected deprecated(): void {
    const name = this.path[0] ?? '';
    // The replacement repeats the command's arguments: escaped, so that none can forge a line.
    this.context.stderr.write(`mdevctl: '${name}' is a deprecated 0.x command; use '${textSafe(this.replacement())}'\n`);
    const count = pendingLegacy(HostPaths.fromEnv(this.context.env));
    if (count > 0) {
      this.context.stderr.write(
        `mdevctl: ${count} definition${count === 1 ? '' : 's'} in the 0.x format ${count === 1 ? 'is' : 'are'} not used; run 'mdevctl import-legacy' to convert them\n`,
      );
    }
  }
}

export const AUTO_HELP = { description: 'Start the device automatically when its parent appears' };
export const MANUAL_HELP = { description: 'Start the device only on request' };

/** The policy from --auto/--manual, else 0.x's system default (etc/mdevctl.conf, else auto). */
export function chosenPolicy(cmd: { auto: boolean; manual: boolean; context: { env: NodeJS.ProcessEnv } }): StartPolicy {
  conflicts({ '--auto': cmd.auto, '--manual': cmd.manual });
  if (cmd.auto) return 'auto';
  if (cmd.manual) return 'manual';
  return legacyDefaultStart(HostPaths.fromEnv(cmd.context.env));
}

export const UUID_ARG = { name: 'mdev-UUID', required: true } as const;
