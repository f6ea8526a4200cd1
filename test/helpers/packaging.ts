// Helpers of the packaging and legacy tests: the CLI in-process (with a terminal or not), an
// emulation of udev running an installed rule for a uevent, bash completion, and the
// generators of the package's documents.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from 'mdevctl/cli';
import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { REPO, runBin } from './cli.js';
import { simHost } from './sim-host.js';

export const RULE = 'usr/lib/udev/rules.d/60-mdevctl.rules';

/** upstream's 60-mdevctl.rules (FACTS probe-output), with /usr/sbin/mdevctl being `command`. */
export function upstreamRuleLines(command: string): string[] {
  const run = `RUN+="/bin/sh -c '{ ${command} start-parent-mdevs %k 2>&3 | logger -t mdevctl; } 3>&1 1>&2 | logger -t mdevctl -p 2'"`;
  return [
    `ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="/etc/mdevctl.d/$kernel", ${run}`,
    // ours: not on SR-IOV VFs (61-mdevctl-vgpu.rules starts those, one process per physical GPU)
    `ACTION=="add", TEST!="physfn", TEST=="/etc/mdevctl.d/$kernel", ${run}`,
  ];
}

/** A stream that records what is written; `isTTY` as asked. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }
}

export interface InProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `mdevctl ARGS` in this process on `root`; stderr is a terminal when `tty`. */
export async function inProcess(
  root: string,
  args: string[],
  opts: { tty?: boolean; plugins?: MdevctlPlugin[]; env?: Record<string, string> } = {},
): Promise<InProcessResult> {
  const stdout = new Capture(opts.tty ?? false);
  const stderr = new Capture(opts.tty ?? false);
  const io = { stdout, stderr, env: { MDEVCTL_ENV_ROOT: root, TERM: 'xterm', ...opts.env } } as unknown as Parameters<typeof main>[1];
  const status = await main(args, io, { program: 'mdevctl', plugins: opts.plugins ?? [] });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

// ---------------------------------------------------------------------------------------------
// udev

export interface Uevent {
  action: string;
  devpath: string;
  subsystem: string;
  env: Record<string, string>;
}

export interface UdevRule {
  /** [key, operator, value], e.g. ['ENV{MDEV_STATE}', '==', 'registered']. */
  readonly keys: Array<[string, string, string]>;
  readonly line: string;
}

/** The rules of a rules file: one per non-comment line, its keys in order. */
export function parseRules(text: string): UdevRule[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    .map((line) => {
      const keys: Array<[string, string, string]> = [];
      for (const m of line.matchAll(/([A-Z]+(?:\{[^}]*\})?)(==|!=|\+=|=)"((?:[^"\\]|\\.)*)"/g)) {
        keys.push([m[1] ?? '', m[2] ?? '', m[3] ?? '']);
      }
      return { keys, line };
    });
}

function substitute(value: string, kernel: string): string {
  return value.replaceAll('%k', kernel).replaceAll('$kernel', kernel);
}

/** Whether every match key of the rule holds for the uevent (TEST paths taken under root). */
export function ruleMatches(rule: UdevRule, event: Uevent, root: string): boolean {
  const kernel = basename(event.devpath);
  for (const [key, op, raw] of rule.keys) {
    if (op !== '==' && op !== '!=') continue;
    const value = substitute(raw, kernel);
    let actual: boolean;
    if (key === 'ACTION') actual = event.action === value;
    else if (key === 'SUBSYSTEM') actual = event.subsystem === value;
    else if (key === 'KERNEL') actual = kernel === value;
    else if (key.startsWith('ENV{')) actual = event.env[key.slice(4, -1)] === value;
    else if (key === 'TEST') actual = existsSync(join(root, value));
    else throw new Error(`unsupported udev match key ${key}`);
    if (actual !== (op === '==')) return false;
  }
  return true;
}

/** The RUN+= programs of a rule for a uevent, %k/$kernel substituted. */
export function rulePrograms(rule: UdevRule, event: Uevent): string[] {
  const kernel = basename(event.devpath);
  return rule.keys.filter(([k, op]) => k === 'RUN' && op === '+=').map(([, , v]) => substitute(v, kernel));
}

/** udev's split of a RUN value: words, with '…' quoting. */
export function splitProgram(program: string): string[] {
  const words: string[] = [];
  for (const m of program.matchAll(/'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? '');
  return words;
}

export interface ProgramRun {
  status: number;
  /** What each `logger` got: its arguments and the lines it read. */
  logged: Array<{ args: string; lines: string }>;
}

/**
 * Runs a RUN program as udev would (no terminal, stdin /dev/null), with MDEVCTL_ENV_ROOT=root
 * and a stand-in `logger` first in PATH that records what it is given.
 */
export function runProgram(program: string, root: string, work: string, extraPath: string[] = []): ProgramRun {
  const bin = join(work, 'fake-bin');
  const log = join(work, 'logger.log');
  mkdirSync(bin, { recursive: true });
  // One line per logger run: its arguments, a tab, what it read (newlines as \r).
  writeFileSync(join(bin, 'logger'), `#!/bin/sh\nlines=$(cat | tr '\\n' '\\r')\nprintf '%s\\t%s\\n' "$*" "$lines" >> '${log}'\n`);
  chmodSync(join(bin, 'logger'), 0o755);
  writeFileSync(log, '');
  const [file = '', ...argv] = splitProgram(program);
  const r = spawnSync(file, argv, {
    env: { PATH: [bin, ...extraPath, dirname(process.execPath), '/usr/bin', '/bin'].join(':'), MDEVCTL_ENV_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  const logged = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const tab = l.indexOf('\t');
      return { args: l.slice(0, tab), lines: l.slice(tab + 1).replaceAll('\r', '\n').trim() };
    })
    .sort((a, b) => (a.args < b.args ? -1 : a.args > b.args ? 1 : 0));
  return { status: r.status ?? -1, logged };
}

/** The uevents of a simulated host, oldest first. */
export function uevents(root: string): Uevent[] {
  const path = join(root, '.mdev-sim/uevents.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Uevent);
}

// ---------------------------------------------------------------------------------------------
// bash completion

const WORDBREAKS = ` \t\n"'><=;|&(:`;

/** The candidates bash would offer for the command line `line` (cursor at its end). */
export function complete(script: string, line: string, env: Record<string, string>): string[] {
  const driver = `
source "$1"
COMP_WORDBREAKS=$2
COMP_LINE=$3
COMP_POINT=\${#COMP_LINE}
COMPREPLY=()
_mdevctl
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver, 'complete', script, WORDBREAKS, line], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bash failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

// ---------------------------------------------------------------------------------------------
// the package's generated documents

export interface GeneratedFile {
  path: string;
  content: string;
}

export interface DocsModule {
  generatedFiles(): Promise<GeneratedFile[]>;
  documentedCommands(): Promise<Array<{
    name: string;
    hidden: boolean;
    legacy: boolean;
    examples: ReadonlyArray<readonly [string, string]>;
    options: ReadonlyArray<{ names: readonly string[] }>;
  }>>;
  COMPLETION_FILE: string;
}

/** core's document generators (loaded from the build, as install-system-files loads them). */
export async function docs(): Promise<DocsModule> {
  return (await import(pathToFileURL(join(REPO, 'core/dist/cli/docs/generate.js')).href)) as DocsModule;
}

// ---------------------------------------------------------------------------------------------
// the reboot story

const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
const U5 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f05';

/**
 * The reboot story with the given mdevctl: define auto devices, start them, unplug and plug the
 * parent (as a reboot or a driver reload does), then let "udev" run what the installed rule
 * says for the uevents of the plug.
 */
export function rebootStory(mdevctlBin: string, simBin: string, work: string, extraPath: string[] = []): void {
  const h = simHost();
  try {
    const run = (...args: string[]) => {
      const r = runBin(h.root, args, { bin: mdevctlBin });
      assert.equal(r.status, 0, `mdevctl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    run('install-system-files');
    run('define', '-u', U3, '-p', 'mtty', '-t', 'mtty-1', '--auto');
    run('define', '-u', U4, '-p', 'mtty', '-t', 'mtty-2', '--auto');
    run('define', '-u', U5, '-p', 'mtty', '-t', 'mtty-1');
    run('start', '-u', U3);
    run('start', '-u', U5);
    assert.deepEqual(h.activeUuids(), [U3, U5]);

    const sim = (...args: string[]) => {
      const r = runBin(h.root, args, { bin: simBin });
      assert.equal(r.status, 0, `mdevctl-sim ${args.join(' ')}: ${r.stderr}`);
    };
    sim('unplug', h.root, 'mtty');
    assert.deepEqual(h.activeUuids(), [], 'the devices went with their parent');
    const seen = uevents(h.root).length;
    sim('plug', h.root, 'mtty');
    assert.deepEqual(h.activeUuids(), [], 'nothing starts them by itself');

    // What udev does with the plug's uevents and the installed rules.
    const rules = parseRules(readFileSync(h.path(RULE), 'utf8'));
    assert.equal(rules.length, 2);
    const events = uevents(h.root).slice(seen);
    const registered = events.filter((e) => e.env['MDEV_STATE'] === 'registered');
    assert.equal(registered.length, 1, JSON.stringify(events));
    const matching = (e: Uevent) => rules.filter((r) => ruleMatches(r, e, h.root));
    const event = registered[0] as Uevent;
    assert.deepEqual(matching(event), [rules[0]], 'the registered uevent matches the first rule');
    const added = events.find((e) => e.action === 'add' && e.devpath === event.devpath);
    if (added) assert.deepEqual(matching(added), [rules[1]], "the parent's add uevent matches the compatibility rule");
    // No rule for a parent without definitions.
    assert.deepEqual(matching({ ...event, devpath: '/devices/virtual/mdpy/mdpy' }), []);

    const programs = rulePrograms(rules[0] ?? { keys: [], line: '' }, event);
    assert.equal(programs.length, 1);
    const result = runProgram(programs[0] ?? '', h.root, work, extraPath);
    assert.equal(result.status, 0);
    // Both loggers ran (stdout at the default priority, stderr at -p 2) and got nothing to log.
    assert.deepEqual(result.logged, [
      { args: '-t mdevctl', lines: '' },
      { args: '-t mdevctl -p 2', lines: '' },
    ]);
    assert.deepEqual(h.activeUuids(), [U3, U4], 'the auto devices are back, the manual one is not');
    assert.equal(run('list'), `${U3} mtty mtty-1 auto (defined)\n${U4} mtty mtty-2 auto (defined)\n`);

    // Running the rule again: each device is already there, which goes to the error log.
    const again = runProgram(programs[0] ?? '', h.root, work, extraPath);
    assert.equal(again.status, 0);
    const errors = again.logged.find((l) => l.args === '-t mdevctl -p 2')?.lines ?? '';
    assert.equal(errors.split('\n').filter((l) => /WARN .*Device [0-9a-f-]{36} already exists/.test(l)).length, 2, errors);
  } finally {
    h.cleanup();
  }
}

