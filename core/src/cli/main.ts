// The mdevctl and lsmdev programs: picks the program from argv[0], handles --help/--version,
// runs one command, and turns every failure into one line on stderr and an exit status — a
// command that cannot finish too (lifecycle/unsettled.ts), never exit status 0.

import { basename } from 'node:path';
import { Cli, type CommandClass } from 'clipanion';
import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { Mdevctl } from '../app.js';
import { StderrLogger, parseLogLevel } from '../host/log.js';
import { MdevctlError, UsageError, messageOf } from '../model/errors.js';
import { command as untilSettled } from '../lifecycle/unsettled.js';
import type { CliContext } from './context.js';
import { commandHelp, programHelp } from './help.js';
import { reorderLegacyArgs } from './legacy/names.js';
import { COMMAND_NAMES, VERSION, commandClasses, commandNamed, createCli, everyCommandCli, hiddenCommands, type Program } from './registry.js';
import { finalStatus, processIO } from './fd-output.js';
import { parsePlain } from './fast-parse.js';

export { EXIT_STDOUT_CLOSED, FdOutput } from './fd-output.js';
import { didYouMean } from './suggest.js';

export { VERSION, commandClasses, createCli, type Program } from './registry.js';

/** What a run writes to: a stream, or anything with a stream's write (cli/fd-output.ts). */
export interface OutputStream {
  write(chunk: string): unknown;
}

export interface CliIO {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface MainOptions {
  /** Which program runs; default: from the script name (argv[1]) — `lsmdev` if it ends so. */
  readonly program?: Program;
  /** Extra plugins (tests and embedders). */
  readonly plugins?: readonly MdevctlPlugin[];
}

/** The class of the command the first argument names (lsmdev's one command), unless help is asked for. */
async function namedCommand(program: Program, args: readonly string[]): Promise<CommandClass<CliContext> | undefined> {
  if (needsEveryCommand(args)) return undefined;
  if (program === 'lsmdev') return (await commandClasses(program))[0];
  return args[0] !== undefined ? commandNamed(args[0]) : undefined;
}

/**
 * The CLI that parses these arguments: when the first one names an mdevctl command exactly, only
 * that command is registered (clipanion builds its parser for the commands registered, a cost
 * paid on every run); otherwise, and for help, every command.
 */
async function cliFor(program: Program, args: readonly string[]): Promise<Cli<CliContext>> {
  const named = program === 'mdevctl' ? await namedCommand(program, args) : undefined;
  return named ? createCli(program, [named]) : everyCommandCli(program);
}

/**
 * The command for the plain argument shapes (cli/fast-parse.ts), with the context as clipanion
 * makes it (its defaults, then ours, getters kept); undefined: clipanion parses.
 */
function plainCommand(program: Program, named: CommandClass<CliContext>, args: readonly string[], userContext: object) {
  const context = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(Cli.defaultContext),
    ...Object.getOwnPropertyDescriptors(userContext),
  }) as CliContext;
  return program === 'lsmdev' ? parsePlain(named, [], args, context) : parsePlain(named, [args[0] as string], args.slice(1), context);
}

/** Help describes every command. */
function needsEveryCommand(args: readonly string[]): boolean {
  return args.some((a) => a === '--help' || a === '-h');
}

export function programFromPath(scriptPath: string | undefined): Program {
  return scriptPath !== undefined && basename(scriptPath).replace(/\.js$/, '').endsWith('lsmdev') ? 'lsmdev' : 'mdevctl';
}

/**
 * Runs one mdevctl invocation; resolves to its exit status. The default streams are fd 1 and 2
 * (cli/fd-output.ts): a stdout closed by its reader ends the output quietly, status 141.
 */
export async function main(argv: readonly string[], io: CliIO = processIO(), options: MainOptions = {}): Promise<number> {
  return finalStatus(io.stdout, await run(argv, io, options));
}

async function run(argv: readonly string[], io: CliIO, options: MainOptions): Promise<number> {
  const program = options.program ?? programFromPath(process.argv[1]);
  const args = program === 'mdevctl' ? reorderLegacyArgs(argv) : argv;
  const level = parseLogLevel(io.env['MDEVCTL_LOG']);
  const log = new StderrLogger(level, (line) => io.stderr.write(line));
  // Built only when used: help, errors, and the arguments that are no plain shape.
  let built: Promise<Cli<CliContext>> | undefined;
  const cli = (): Promise<Cli<CliContext>> => (built ??= cliFor(program, args));

  try {
    const early = await helpOrVersion(cli, program, args);
    if (early) {
      (early.toStderr ? io.stderr : io.stdout).write(early.text);
      return early.status;
    }
    let app: Mdevctl | undefined;
    const context = {
      // Getters: clipanion's own defaults (process.stdout/stderr) are never opened (the bundle
      // keeps them lazy); ours are fd writers (cli/fd-output.ts).
      get stdout() {
        return io.stdout as CliContext['stdout'];
      },
      get stderr() {
        return io.stderr as CliContext['stderr'];
      },
      env: io.env,
      // The generators are loaded only by the command that installs their files.
      generatedFiles: async () => (await import('./docs/generate.js')).generatedFiles(),
      app: (): Mdevctl => {
        if (!app) {
          app = new Mdevctl({ root: rootFrom(io.env), log, plugins: options.plugins ?? [], env: io.env, writeStderr: (text) => void io.stderr.write(text) });
          app.selfCheck();
        }
        return app;
      },
    };
    let command;
    try {
      const named = await namedCommand(program, args);
      command = (named && plainCommand(program, named, args, context)) ?? (await cli()).process([...args], context);
    } catch (err) {
      throw new UsageError(await syntaxProblem(err, program === 'mdevctl' ? args[0] : undefined, await cli(), program));
    }
    return await untilSettled(command.validateAndExecute(), () => {
      io.stderr.write('Error: the command stopped before it finished (a promise never settled)\n');
      return 1;
    });
  } catch (err) {
    return report(err, io, level === 'debug');
  }
}

function rootFrom(env: NodeJS.ProcessEnv): string {
  const root = env['MDEVCTL_ENV_ROOT'];
  return root === undefined || root === '' ? '/' : root;
}

/** `--help`/`-h` anywhere, `help [CMD]`, `--version`/`-V`, or no command at all. */
async function helpOrVersion(
  cli: () => Promise<Cli<CliContext>>,
  program: Program,
  args: readonly string[],
): Promise<{ text: string; status: number; toStderr?: boolean } | undefined> {
  // The CLI and its definitions (clipanion renders every command's usage for them) only when used.
  const commandDef = async (name: string | undefined) =>
    (await cli()).definitions().find((d) => (program === 'lsmdev' ? true : d.path === `${program} ${name}`));
  const every = async () => programHelp(await cli(), program, VERSION, hiddenCommands(await commandClasses(program)));
  const first = args[0];
  if (program === 'mdevctl' && first === 'help') {
    const def = args[1] !== undefined ? await commandDef(args[1]) : undefined;
    if (args[1] !== undefined && !def) throw new UsageError(await unknownCommand(args[1], program));
    return { text: def ? commandHelp(def, program) : await every(), status: 0 };
  }
  if (args.includes('--help') || args.includes('-h')) {
    const def = program === 'lsmdev' ? (await cli()).definitions()[0] : await commandDef(first);
    return { text: def ? commandHelp(def, program) : await every(), status: 0 };
  }
  if ((program === 'lsmdev' || args.length === 1) && (args.includes('--version') || args.includes('-V'))) {
    return { text: `${program} ${VERSION}\n`, status: 0 };
  }
  if (program === 'mdevctl' && args.length === 0) {
    return { text: await every(), status: 2, toStderr: true };
  }
  return undefined;
}

/** One line for clipanion's parse errors; an unknown command or option gets the nearest known one and --help. */
async function syntaxProblem(err: unknown, command: string | undefined, cli: Cli<CliContext>, program: Program): Promise<string> {
  if (command !== undefined && !command.startsWith('-')) {
    const known = cli.definitions().some((d) => d.path.endsWith(` ${command}`)) || COMMAND_NAMES.includes(command);
    if (!known) return unknownCommand(command, program);
  }
  const candidates = (err as { candidates?: Array<{ reason: string | null }> }).candidates;
  const reason = candidates?.find((c) => c.reason)?.reason;
  const text = reason ?? messageOf(err);
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
  const option = /^(?:Unsupported|Invalid) option name \("([^"=]+)/.exec(line)?.[1];
  if (option === undefined) return line;
  const def = program === 'lsmdev' ? cli.definitions()[0] : cli.definitions().find((d) => d.path === `${program} ${command ?? ''}`);
  const names = (def?.options ?? []).flatMap((o) => o.definition.split(/[ ,]/).filter((n) => n.startsWith('--')));
  const help = def ? `${def.path} --help` : `${program} --help`;
  return `${line}${option.startsWith('--') && !names.includes(option) ? didYouMean(option, names) : ''} See '${help}'`;
}

/** `unrecognized subcommand 'X'`, the nearest command, and where the list is. */
async function unknownCommand(typed: string, program: Program): Promise<string> {
  // The suggestion looks at every command.
  const all = (await everyCommandCli(program)).definitions().map((d) => d.path.split(' ').pop() ?? '');
  return `unrecognized subcommand '${typed}'.${didYouMean(typed, all)} See '${program} --help'`;
}

function report(err: unknown, io: CliIO, debug: boolean): number {
  if (err instanceof UsageError) {
    io.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  if (err instanceof MdevctlError) {
    for (const line of err.message.split('\n')) io.stderr.write(`Error: ${line}\n`);
    if (debug) writeStacks(err, io);
    return 1;
  }
  io.stderr.write(`Error: ${messageOf(err).split('\n')[0]}\n`);
  if (debug) writeStacks(err, io);
  return 1;
}

/** MDEVCTL_LOG=debug: the error's stack and its causes' (a plugin's own, under core's wrapper). */
function writeStacks(err: unknown, io: CliIO): void {
  for (let e = err, prefix = ''; e instanceof Error; e = e.cause, prefix = 'Caused by: ') {
    if (e.stack) io.stderr.write(`${prefix}${e.stack}\n`);
  }
}
