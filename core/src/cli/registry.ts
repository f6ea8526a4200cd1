// The command registry of each program: which command classes mdevctl and lsmdev have, the
// clipanion CLI built from them, and what their classes say about themselves (a `static hidden`
// command works but is not listed). A leaf of the CLI layer: the commands, main.ts and the docs
// generator import it; it imports only the commands.

import { Cli, type CommandClass } from 'clipanion';
import type { CliContext } from './context.js';
import { DefineCommand } from './commands/define.js';
import { UndefineCommand } from './commands/undefine.js';
import { ModifyCommand } from './commands/modify.js';
import { StartCommand } from './commands/start.js';
import { StopCommand } from './commands/stop.js';
import { ListCommand, LsmdevCommand } from './commands/list.js';
import { TypesCommand } from './commands/types.js';
import { StartParentMdevsCommand } from './commands/start-parent-mdevs.js';
import { ValidateCommand } from './commands/validate.js';
import { ApplyCommand } from './commands/apply.js';
import { DiffCommand } from './commands/diff.js';
import { AssertCommand } from './commands/assert.js';
import { MonitorCommand } from './commands/monitor.js';
import { CompleteValuesCommand } from './commands/complete-values.js';
import { LEGACY_COMMANDS } from './legacy/commands.js';
import { ImportLegacyCommand } from './legacy/import-legacy.js';
import { InstallSystemFilesCommand } from './system/install-system-files.js';
import { PluginInitCommand } from './system/plugin-init.js';
import { DoctorCommand } from './system/doctor.js';

export const VERSION = '1.4.0';

export type Program = 'mdevctl' | 'lsmdev';

export const MDEVCTL_COMMANDS: readonly CommandClass<CliContext>[] = [
  DefineCommand, UndefineCommand, ModifyCommand, StartCommand, StopCommand, ListCommand, TypesCommand,
  StartParentMdevsCommand, ValidateCommand, ApplyCommand, DiffCommand, AssertCommand, MonitorCommand, ImportLegacyCommand, InstallSystemFilesCommand, PluginInitCommand, DoctorCommand, CompleteValuesCommand, ...LEGACY_COMMANDS,
];

/** The command classes of a program (the man pages and completion are generated from them). */
export function commandClasses(program: Program): CommandClass<CliContext>[] {
  return program === 'lsmdev' ? [LsmdevCommand] : [...MDEVCTL_COMMANDS];
}

/** The clipanion CLI of a program, every command registered (or only the given ones). */
export function createCli(program: Program, classes = commandClasses(program)): Cli<CliContext> {
  const cli = new Cli<CliContext>({ binaryName: program, binaryVersion: VERSION, enableColors: false, enableCapture: false });
  for (const c of classes) cli.register(c);
  return cli;
}

/** The names (path after the program) of the commands whose class says `static hidden = true`. */
export function hiddenCommands(classes: readonly CommandClass<CliContext>[]): Set<string> {
  return new Set(
    classes
      .filter((c) => (c as { hidden?: boolean }).hidden === true)
      .flatMap((c) => (c.paths ?? []).map((p) => p.join(' '))),
  );
}

/** The command class of `name` when one has exactly that one-word path. */
export function commandNamed(name: string): CommandClass<CliContext> | undefined {
  return MDEVCTL_COMMANDS.find((c) => c.paths?.length === 1 && c.paths[0]?.length === 1 && c.paths[0][0] === name);
}
