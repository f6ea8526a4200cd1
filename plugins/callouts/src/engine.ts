// Which script handles a device's call-out, and running it with upstream's rules:
// - a script that answers `get capabilities` with a valid `{"supports":…}` (any exit status but 2)
//   is the versioned script of that parent/type: it alone gets every event of those devices, an
//   event or action it does not list is a failure, and any non-zero exit (2 too) is a failure;
// - otherwise the scripts are tried in order: exit 2 means "not my type, next", the first other
//   answer wins (0 = ok, anything else = failure); none answering means "no call-out".
// A script that cannot be run (or that a signal not ours ended) is reported and skipped; one that
// outlives the timeout is killed and counts as a failure.
// Everything found is remembered for the life of the engine (one command): the capabilities
// probe runs once per parent/type, the search once per parent/type/event/action (the script that
// answered `pre` also gets `post`), a script that timed out is not run again, and one that cannot
// be run is reported once.

import type { Logger } from '@mdevctl/plugin-sdk';
import { basename } from 'node:path';
import { PROVIDES_JSON, parseSupports, type CalloutAction, type CalloutEvent, type Supports } from './capabilities.js';
import type { Target } from './device.js';
import type { ResolvedOptions } from './options.js';
import { runScript, type RunResult } from './runner.js';
import { CALLOUT_DIRS, NOTIFIER_DIRS, listScripts } from './scripts.js';

export type State = 'none' | 'success' | 'failure';

export type Outcome =
  /** No script handles this device (or the one that does was skipped). */
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly script: string; readonly stdout: string }
  | {
      readonly kind: 'failed';
      readonly script: string;
      readonly message: string;
      /** The versioned script does not list this event or action. */
      readonly unsupported?: boolean;
      /** The script hung (or flooded its output) and was killed. */
      readonly broken?: boolean;
    };

/** One call-out to make: the device, the event and action, the state, and the script's stdin. */
export interface Call {
  readonly target: Target;
  readonly event: CalloutEvent;
  readonly action: CalloutAction;
  readonly state: State;
  readonly input: string;
}

interface Versioned {
  readonly path: string;
  readonly supports: Supports;
}

export class CalloutEngine {
  private readonly scripts = new Map<string, readonly string[]>();
  private readonly versioned = new Map<string, Versioned | null>();
  private readonly answers = new Map<string, string | null>();
  private readonly broken = new Map<string, string>();
  private readonly reported = new Set<string>();

  constructor(private readonly options: ResolvedOptions) {}

  /** The versioned script of the target's parent/type, probing the scripts the first time. */
  async versionedScript(root: string, target: Target, log: Logger): Promise<Versioned | undefined> {
    const key = keyOf(root, target.parent, target.type);
    const known = this.versioned.get(key);
    if (known !== undefined) return known ?? undefined;
    let found: Versioned | null = null;
    for (const path of this.calloutScripts(root)) {
      const r = await this.run(path, { target, event: 'get', action: 'capabilities', state: 'none', input: PROVIDES_JSON });
      if (r.kind === 'skipped') {
        this.reportSkipped(path, r.message, log);
        continue;
      }
      if (r.kind === 'broken') {
        log.warn(`Call-out script '${path}' ${r.message} (get capabilities); it is not used for ${target.parent}/${target.type}`);
        continue;
      }
      if (r.code === 2) continue;
      const supports = parseSupports(r.stdout);
      if (!supports) continue;
      this.echo(path, r.stderr);
      log.debug(`Call-out script '${path}' supports versioning for ${target.parent}/${target.type}`);
      found = { path, supports };
      break;
    }
    this.versioned.set(key, found);
    return found ?? undefined;
  }

  /** One call-out (pre, post, live, get attributes) for the target. */
  async callout(root: string, log: Logger, call: Call): Promise<Outcome> {
    const { target, event, action } = call;
    const versioned = await this.versionedScript(root, target, log);
    if (versioned) return this.callVersioned(versioned, log, call);

    const key = keyOf(root, target.parent, target.type, event, action);
    const known = this.answers.get(key);
    const candidates = known === undefined ? this.calloutScripts(root) : known === null ? [] : [known];
    for (const path of candidates) {
      const r = await this.run(path, call);
      if (r.kind === 'skipped') {
        this.reportSkipped(path, r.message, log);
        continue;
      }
      if (r.kind === 'exit' && r.code === 2) continue;
      this.answers.set(key, path);
      // The script that answered `pre` is the one `post` goes to (upstream).
      if (event === 'pre') this.answers.set(keyOf(root, target.parent, target.type, 'post', action), path);
      this.echo(path, r.stderr);
      return outcomeOf(path, r);
    }
    if (known === undefined) this.answers.set(key, null);
    return { kind: 'none' };
  }

  /** Every notifier script, in order; exit statuses are ignored, problems only logged. */
  async notify(root: string, log: Logger, target: Target, action: CalloutAction, state: State, input: string): Promise<void> {
    for (const path of this.notifierScripts(root)) {
      const r = await this.run(path, { target, event: 'notify', action, state, input });
      this.echo(path, r.stderr);
      if (r.kind === 'skipped') this.reportSkipped(path, r.message, log);
      else if (r.kind === 'broken') log.warn(`Notifier script '${path}' ${r.message}`);
      else if (r.code !== 0) log.debug(`Notifier script '${path}' exited with status ${r.code} (ignored)`);
    }
  }

  private async callVersioned(script: Versioned, log: Logger, call: Call): Promise<Outcome> {
    const { path, supports } = script;
    const { event, action } = call;
    if (!supports.actions.has(action)) {
      return { kind: 'failed', script: path, message: `Script '${path}' does not support action '${action}'`, unsupported: true };
    }
    if (!supports.events.has(event)) {
      return { kind: 'failed', script: path, message: `Script '${path}' does not support event '${event}'`, unsupported: true };
    }
    const r = await this.run(path, call);
    this.echo(path, r.stderr);
    if (r.kind === 'skipped') {
      this.reportSkipped(path, r.message, log);
      return { kind: 'none' };
    }
    return outcomeOf(path, r);
  }

  private async run(path: string, { target, event, action, state, input }: Call): Promise<RunResult> {
    // A script that hung (or flooded its output) once is not run again in this command.
    const earlier = this.broken.get(path);
    if (earlier !== undefined) return { kind: 'broken', message: `${earlier} earlier; not run again`, stderr: '' };
    const args = ['-t', target.type, '-e', event, '-a', action, '-s', state, '-u', target.uuid, '-p', target.parent];
    const r = await runScript(path, args, input, this.options.timeoutMs);
    if (r.kind === 'broken') this.broken.set(path, r.message);
    return r;
  }

  private calloutScripts(root: string): readonly string[] {
    return this.listed(root, 'callouts', CALLOUT_DIRS);
  }

  private notifierScripts(root: string): readonly string[] {
    return this.listed(root, 'notifiers', NOTIFIER_DIRS);
  }

  private listed(root: string, kind: string, dirs: readonly string[]): readonly string[] {
    const key = keyOf(root, kind);
    let list = this.scripts.get(key);
    if (!list) {
      list = listScripts(root, dirs);
      this.scripts.set(key, list);
    }
    return list;
  }

  private reportSkipped(path: string, message: string, log: Logger): void {
    if (this.reported.has(path)) return;
    this.reported.add(path);
    log.warn(`Skipping script '${path}': ${message}`);
  }

  /** A script's stderr on ours, each line prefixed by the script's file name. */
  private echo(path: string, stderr: string): void {
    if (stderr === '') return;
    const name = basename(path);
    const lines = stderr.endsWith('\n') ? stderr.slice(0, -1).split('\n') : stderr.split('\n');
    this.options.writeStderr(lines.map((l) => `${name}: ${l}\n`).join(''));
  }
}

function outcomeOf(path: string, r: Exclude<RunResult, { kind: 'skipped' }>): Outcome {
  if (r.kind === 'broken') return { kind: 'failed', script: path, message: `Script '${path}' ${r.message}`, broken: true };
  if (r.code === 0) return { kind: 'ok', script: path, stdout: r.stdout };
  return { kind: 'failed', script: path, message: `Script '${path}' failed with status '${r.code}'` };
}

function keyOf(...parts: string[]): string {
  return parts.join('\0');
}
