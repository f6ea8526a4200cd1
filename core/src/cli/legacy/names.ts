// The commands of the 0.x shell mdevctl (upstream's first commits, seed 001), kept as
// deprecated aliases: their 0.x arguments and output, each run through the application's
// methods (and so through the same lifecycle pipeline, call-outs and validation as the 1.x
// commands). Each prints one deprecation line on stderr naming the command to use instead.
// One command per file beside this one (listed in cli/registry.ts); base.ts holds what they share.
//
// This file: their names, their help category, and moving the 0.x script's leading
// --auto/--manual behind the command (`mdevctl --manual create-mdev …`, `reorderLegacyArgs`), what
// every run needs of them (cli/main.ts, help.ts) without loading the commands themselves.

/** The category of the legacy commands in the command definitions (help, man page, completion). */
export const LEGACY_CATEGORY = 'Deprecated 0.x commands';

export const LEGACY_COMMAND_NAMES = [
  'create-mdev', 'list-all', 'list-available', 'list-mdevs', 'list-saved', 'remove-mdev', 'set-start',
  'start-mdev', 'stop-mdev',
] as const;

const POLICY_OPTIONS = new Set(['--auto', '--manual']);

/** `mdevctl [--auto|--manual]… create-mdev|set-start …` → the options after the command. */
export function reorderLegacyArgs(args: readonly string[]): readonly string[] {
  let i = 0;
  while (i < args.length && POLICY_OPTIONS.has(args[i] ?? '')) i++;
  const command = args[i];
  if (i === 0 || (command !== 'create-mdev' && command !== 'set-start')) return args;
  return [command, ...args.slice(i + 1), ...args.slice(0, i)];
}
