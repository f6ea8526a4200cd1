// The mdevctl and lsmdev programs: picks the program from argv[0], handles --help/--version,
// runs one command, and turns every failure into one line on stderr and an exit status — a
// command that cannot finish too (lifecycle/unsettled.ts), never exit status 0.

import { basename } from 'node:path';
import type { Cli } from 'clipanion';
import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { Mdevctl } from '../app.js';
import { StderrLogger, parseLogLevel } from '../host/log.js';
import { MdevctlError, UsageError, messageOf } from '../model/errors.js';
import { command as untilSettled } from '../lifecycle/unsettled.js';
import type { CliContext } from './context.js';
import { commandHelp, programHelp } from './help.js';
import { reorderLegacyArgs } from './legacy/commands.js';
import { VERSION, commandClasses, commandNamed, createCli, hiddenCommands, type Program } from './registry.js';
import { finalStatus, processIO } from './fd-output.js';

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

/**
 * The CLI that parses these arguments: when the first one names an mdevctl command exactly, only
 * that command is registered (clipanion builds its parser for the commands registered, a cost
 * paid on every run); otherwise, and for help, every command.
 */
function cliFor(program: Program, args: readonly string[]): Cli<CliContext> {
  const first = args[0];
  const named = program === 'mdevctl' && first !== undefined && !needsEveryCommand(args) ? commandNamed(first) : undefined;
  return named ? createCli(program, [named]) : createCli(program);
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
  const cli = cliFor(program, args);

  try {
    const early = helpOrVersion(cli, program, args);
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
      command = cli.process([...args], context);
    } catch (err) {
      throw new UsageError(syntaxProblem(err, program === 'mdevctl' ? args[0] : undefined, cli, program));
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
function helpOrVersion(
  cli: Cli<CliContext>,
  program: Program,
  args: readonly string[],
): { text: string; status: number; toStderr?: boolean } | undefined {
  // The definitions (clipanion renders every command's usage for them) only when they are used.
  const commandDef = (name: string | undefined) =>
    cli.definitions().find((d) => (program === 'lsmdev' ? true : d.path === `${program} ${name}`));
  const first = args[0];
  if (program === 'mdevctl' && first === 'help') {
    const def = args[1] !== undefined ? commandDef(args[1]) : undefined;
    if (args[1] !== undefined && !def) throw new UsageError(unknownCommand(args[1], cli, program));
    return { text: def ? commandHelp(def, program) : programHelp(cli, program, VERSION, hiddenCommands(commandClasses(program))), status: 0 };
  }
  if (args.includes('--help') || args.includes('-h')) {
    const def = program === 'lsmdev' ? cli.definitions()[0] : commandDef(first);
    return { text: def ? commandHelp(def, program) : programHelp(cli, program, VERSION, hiddenCommands(commandClasses(program))), status: 0 };
  }
  if ((program === 'lsmdev' || args.length === 1) && (args.includes('--version') || args.includes('-V'))) {
    return { text: `${program} ${VERSION}\n`, status: 0 };
  }
  if (program === 'mdevctl' && args.length === 0) {
    return { text: programHelp(cli, program, VERSION, hiddenCommands(commandClasses(program))), status: 2, toStderr: true };
  }
  return undefined;
}

/** One line for clipanion's parse errors; an unknown command or option gets the nearest known one and --help. */
function syntaxProblem(err: unknown, command: string | undefined, cli: Cli<CliContext>, program: Program): string {
  if (command !== undefined && !command.startsWith('-')) {
    const known = cli.definitions().some((d) => d.path.endsWith(` ${command}`)) || commandNamed(command) !== undefined;
    if (!known) return unknownCommand(command, cli, program);
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
function unknownCommand(typed: string, cli: Cli<CliContext>, program: Program): string {
  // The CLI may hold the one command named; the suggestion looks at all of them.
  const all = createCli(program).definitions().map((d) => d.path.split(' ').pop() ?? '');
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
