// The command line of one named command without clipanion's parser, for the plain shapes udev
// and libvirt send (`list --dumpjson --defined`, `start --uuid=U`, `stop -u U`,
// `start-parent-mdevs P`): clipanion builds and runs a state machine of every option on every
// run, a cost next to node's own start-up. Only arguments whose meaning is certain are taken here:
// an exact option name of the command (with its value, or `--name=value`), and words for exactly
// the required positionals it declares; anything else (a batch like `-dv`, `--no-…`, an unknown
// option, a missing value, a value that looks like an option, a word too many or too few, an
// optional or rest positional) is left to clipanion, so its results, errors and suggestions stay
// exactly its own.
// The command's options are read from clipanion's own declarations (their `definition`), and their
// values set by their own `transformer`, as clipanion's `Cli.process` does.

import { Command, type BaseContext, type CommandClass } from 'clipanion';

interface OptionSpec {
  definition(builder: unknown, key: string): void;
  transformer(builder: unknown, key: string, state: ParseState, context: unknown): unknown;
}

interface ParseState {
  readonly path: string[];
  readonly options: Array<{ name: string; value: string | boolean }>;
  readonly positionals: Array<{ value: string; extra: boolean }>;
}

interface OptionShape {
  readonly names: readonly string[];
  readonly arity: number;
  readonly allowBinding: boolean;
  readonly required: boolean;
}

/** clipanion's syntax of an option name (constants.OPTION_REGEX). */
const OPTION_NAME = /^(--[a-z]+(?:-[a-z]+)*|-[a-zA-Z]+)$/;

/**
 * The command that clipanion's `process` would make of `args` (after the command's `path`),
 * or undefined when the arguments are not one of the plain shapes (then clipanion parses them).
 * Validators run as clipanion runs them: their errors are thrown as clipanion throws them.
 */
export function parsePlain<C extends BaseContext>(commandClass: CommandClass<C>, path: string[], args: readonly string[], context: C): Command<C> | undefined {
  const command = new commandClass();
  const specs: Array<[string, OptionSpec]> = [];
  for (const key in command) {
    const value = (command as unknown as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[Command.isOption]) specs.push([key, value as unknown as OptionSpec]);
  }
  const options: OptionShape[] = [];
  let plain = true;
  let positionals = 0;
  const builder = {
    addOption: (o: { names: string[]; arity?: number; allowBinding?: boolean; required?: boolean }) => {
      options.push({ names: o.names, arity: o.arity ?? 0, allowBinding: o.allowBinding ?? true, required: o.required ?? false });
    },
    addPositional: (p: { required?: boolean } = {}) => {
      if (p.required === false) plain = false;
      else positionals++;
    },
    addRest: () => void (plain = false),
    addProxy: () => void (plain = false),
  };
  for (const [key, spec] of specs) spec.definition(builder, key);
  if (!plain || options.some((o) => o.arity > 1)) return undefined;

  const state: ParseState = { path, options: [], positionals: [] };
  const byName = new Map<string, OptionShape>();
  for (const o of options) for (const n of o.names) byName.set(n, o);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const option = byName.get(arg);
    if (option?.arity === 0) {
      state.options.push({ name: arg, value: true });
    } else if (option?.arity === 1) {
      const value = args[i + 1];
      if (value === undefined || (value !== '-' && value.startsWith('-'))) return undefined; // clipanion's arity error
      state.options.push({ name: arg, value });
      i++;
    } else if (!arg.startsWith('-')) {
      state.positionals.push({ value: arg, extra: false });
    } else {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(0, eq) : '';
      const bound = byName.get(name);
      if (!bound || bound.arity !== 1 || !bound.allowBinding || !OPTION_NAME.test(name)) return undefined;
      state.options.push({ name, value: arg.slice(eq + 1) });
    }
  }
  if (state.positionals.length !== positionals) return undefined;
  if (options.some((o) => o.required && !state.options.some((s) => o.names.includes(s.name)))) return undefined;

  (command as { context: C }).context = context;
  command.path = path;
  for (const [key, spec] of specs) (command as unknown as Record<string, unknown>)[key] = spec.transformer(builder, key, state, context);
  return command;
}
