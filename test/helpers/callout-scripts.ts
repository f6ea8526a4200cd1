// Call-out and notifier scripts for tests: real `#!/bin/sh` scripts written into a simulated
// root that append one line per invocation to ROOT/calls.log (script name, argc, argv, stdin),
// then run a test-given body with $type $event $action $state $uuid $parent $stdin set.
// The log path is found from the script's own path, so the same script works in a chroot.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runBin, type RunResult } from './cli.js';
import { simHost, type SimHost } from './sim-host.js';

export const USR_CALLOUTS = 'usr/lib/mdevctl/scripts.d/callouts';
export const ETC_CALLOUTS = 'etc/mdevctl.d/scripts.d/callouts';
export const USR_NOTIFIERS = 'usr/lib/mdevctl/scripts.d/notifiers';
export const ETC_NOTIFIERS = 'etc/mdevctl.d/scripts.d/notifiers';

/** One logged invocation. */
export interface Call {
  script: string;
  argc: number;
  /** argv joined by spaces. */
  argv: string;
  type: string;
  event: string;
  action: string;
  state: string;
  uuid: string;
  parent: string;
  stdin: string;
}

export interface ScriptOptions {
  /** Read stdin (default true); false: the script exits without reading it. */
  readStdin?: boolean;
  /** File mode (default 0o755). */
  mode?: number;
}

/** `$(cat)` without cat: busybox in a chroot has no applets linked, only sh. */
const READ_STDIN = 'stdin=; while IFS= read -r line || [ -n "$line" ]; do stdin="$stdin$line"; done';

export function scriptText(body: string, opts: ScriptOptions = {}): string {
  return [
    '#!/bin/sh',
    'type=$2 event=$4 action=$6 state=$8 uuid=${10} parent=${12}',
    opts.readStdin === false ? 'stdin=-' : READ_STDIN,
    // dir of the script, four levels up: the root (usr/lib/mdevctl/scripts.d/X or etc/mdevctl.d/scripts.d/X)
    'log="${0%/*}/../../../../calls.log"',
    `case "$0" in */usr/lib/mdevctl/scripts.d/*) log="\${0%/*}/../../../../../calls.log";; esac`,
    'printf \'%s\\t%s\\t%s\\t%s\\n\' "${0##*/}" "$#" "$*" "$stdin" >> "$log"',
    body,
    '',
  ].join('\n');
}

export class ScriptHost {
  readonly host: SimHost;
  constructor(options?: { parents?: string[] }) {
    this.host = simHost(options);
  }

  get root(): string {
    return this.host.root;
  }

  /** Writes a script into dir (relative to the root) under name. */
  script(dir: string, name: string, body: string, opts: ScriptOptions = {}): string {
    const path = join(this.root, dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, scriptText(body, opts));
    chmodSync(path, opts.mode ?? 0o755);
    return path;
  }

  callout(name: string, body: string, opts: ScriptOptions = {}): string {
    return this.script(USR_CALLOUTS, name, body, opts);
  }

  notifier(name: string, body: string, opts: ScriptOptions = {}): string {
    return this.script(USR_NOTIFIERS, name, body, opts);
  }

  /** Every logged invocation so far, in order. */
  calls(): Call[] {
    const file = join(this.root, 'calls.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => {
        const [script = '', argc = '', argv = '', stdin = ''] = line.split('\t');
        const a = argv.split(' ');
        return {
          script,
          argc: Number(argc),
          argv,
          type: a[1] ?? '',
          event: a[3] ?? '',
          action: a[5] ?? '',
          state: a[7] ?? '',
          uuid: a[9] ?? '',
          parent: a[11] ?? '',
          stdin,
        };
      });
  }

  /** The log as short `script event action state` lines (what most tests compare). */
  trace(): string[] {
    return this.calls().map((c) => `${c.script} ${c.event} ${c.action} ${c.state}`);
  }

  clearLog(): void {
    writeFileSync(join(this.root, 'calls.log'), '');
  }

  run(...args: string[]): RunResult {
    return runBin(this.root, args);
  }

  runWith(env: Record<string, string>, args: string[], input = ''): RunResult {
    return runBin(this.root, args, { env, input });
  }

  cleanup(): void {
    this.host.cleanup();
  }
}

/** Runs fn on a fresh host with scripts, cleaning up after. */
export function withScripts(fn: (s: ScriptHost) => void, options?: { parents?: string[] }): void {
  const s = new ScriptHost(options);
  try {
    fn(s);
  } finally {
    s.cleanup();
  }
}

/** The compact config JSON scripts get on stdin. */
export function configOf(type: string, start: 'auto' | 'manual', attrs: Array<[string, string]> = []): string {
  return JSON.stringify({ mdev_type: type, start, attrs: attrs.map(([k, v]) => ({ [k]: v })) });
}

/** A `{"supports":…}` answer listing the given events and actions. */
export function supportsJson(
  events: string[] = ['pre', 'post', 'notify', 'get'],
  actions: string[] = ['start', 'stop', 'define', 'undefine', 'modify', 'attributes', 'capabilities'],
  version = 2,
): string {
  return JSON.stringify({ supports: { version, actions, events } });
}

/** sh: print text exactly (single-quoted). */
export function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
