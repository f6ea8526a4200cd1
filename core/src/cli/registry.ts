// The command registry of each program: which commands mdevctl and lsmdev have, the clipanion
// CLI built from them, and what their classes say about themselves (a `static hidden` command
// works but is not listed). A leaf of the CLI layer: main.ts and the docs generator import it.
//
// Each command's module is loaded only when it is needed (import() below): a run loads the one
// command it names (cli/main.ts); help, errors and the docs load them all. In the bundle each
// such module is evaluated on first use (scripts/bundle.mjs), so a run pays only for its own.

import { Cli, type CommandClass } from 'clipanion';
import type { CliContext } from './context.js';

export const VERSION = '1.4.0';

export type Program = 'mdevctl' | 'lsmdev';

type CommandModule = Record<string, unknown>;

/**
 * mdevctl's commands in the order help lists them: the name (the command's one-word path) and
 * its module, which exports the class whose `paths` is `[[name]]`. A new command is one line here.
 */
const MDEVCTL_COMMANDS: ReadonlyArray<readonly [string, () => Promise<CommandModule>]> = [
  ['define', () => import('./commands/define.js')],
  ['undefine', () => import('./commands/undefine.js')],
  ['modify', () => import('./commands/modify.js')],
  ['start', () => import('./commands/start.js')],
  ['stop', () => import('./commands/stop.js')],
  ['list', () => import('./commands/list.js')],
  ['types', () => import('./commands/types.js')],
  ['start-parent-mdevs', () => import('./commands/start-parent-mdevs.js')],
  ['validate', () => import('./commands/validate.js')],
  ['apply', () => import('./commands/apply.js')],
  ['diff', () => import('./commands/diff.js')],
  ['assert', () => import('./commands/assert.js')],
  ['monitor', () => import('./commands/monitor.js')],
  ['import-legacy', () => import('./legacy/import-legacy.js')],
  ['install-system-files', () => import('./system/install-system-files.js')],
  ['plugin-init', () => import('./system/plugin-init.js')],
  ['doctor', () => import('./system/doctor.js')],
  ['complete-values', () => import('./commands/complete-values.js')],
  // The deprecated 0.x commands (cli/legacy/names.ts).
  ['create-mdev', () => import('./legacy/create-mdev.js')],
  ['list-all', () => import('./legacy/list-all.js')],
  ['list-available', () => import('./legacy/list-available.js')],
  ['list-mdevs', () => import('./legacy/list-mdevs.js')],
  ['list-saved', () => import('./legacy/list-saved.js')],
  ['remove-mdev', () => import('./legacy/remove-mdev.js')],
  ['set-start', () => import('./legacy/set-start.js')],
  ['start-mdev', () => import('./legacy/start-mdev.js')],
  ['stop-mdev', () => import('./legacy/stop-mdev.js')],
];

/** The names of mdevctl's commands, in help order. */
export const COMMAND_NAMES: readonly string[] = MDEVCTL_COMMANDS.map(([name]) => name);

/** The command class a module exports for `path` (`[]`: the program's default command). */
function classIn(module: CommandModule, path: readonly string[]): CommandClass<CliContext> {
  const found = Object.values(module).find(
    (v) => typeof v === 'function' && ((v as CommandClass<CliContext>).paths ?? []).some((p) => p.length === path.length && p.every((s, i) => s === path[i])),
  );
  if (!found) throw new Error(`no command class for '${path.join(' ')}' in its module`);
  return found as CommandClass<CliContext>;
}

/** The command class of `name` when mdevctl has a command of exactly that one-word path. */
export async function commandNamed(name: string): Promise<CommandClass<CliContext> | undefined> {
  const entry = MDEVCTL_COMMANDS.find(([n]) => n === name);
  return entry ? classIn(await entry[1](), [name]) : undefined;
}

/** The command classes of a program, in help order (the man pages and completion are generated from them). */
export async function commandClasses(program: Program): Promise<CommandClass<CliContext>[]> {
  if (program === 'lsmdev') return [classIn(await import('./commands/list.js'), [])];
  return Promise.all(MDEVCTL_COMMANDS.map(async ([name, load]) => classIn(await load(), [name])));
}

/** The clipanion CLI of a program with the given command classes registered. */
export function createCli(program: Program, classes: readonly CommandClass<CliContext>[]): Cli<CliContext> {
  const cli = new Cli<CliContext>({ binaryName: program, binaryVersion: VERSION, enableColors: false, enableCapture: false });
  for (const c of classes) cli.register(c);
  return cli;
}

/** The clipanion CLI of a program, every command registered. */
export async function everyCommandCli(program: Program): Promise<Cli<CliContext>> {
  return createCli(program, await commandClasses(program));
}

/** The names (path after the program) of the commands whose class says `static hidden = true`. */
export function hiddenCommands(classes: readonly CommandClass<CliContext>[]): Set<string> {
  return new Set(
    classes
      .filter((c) => (c as { hidden?: boolean }).hidden === true)
      .flatMap((c) => (c.paths ?? []).map((p) => p.join(' '))),
  );
}
