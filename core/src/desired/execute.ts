// Carries out a checked plan, one step at a time, each through the normal lifecycle pipeline (its
// own validate stage against the host of that moment, the call-outs, the journal and the intent
// record exactly as for the single command). When a step fails, the steps this apply already
// did are taken back, newest first, again through the pipeline (a define by an undefine, a start
// by a stop, a modify or undefine by storing the definition as it was, a stop by a start), so a
// failed apply leaves the host as it found it — or names what could not be taken back. If the
// process dies half-way (power loss, kill -9), the step in flight is taken back by the next
// command's crash recovery and every step before it stays done: applying the file again then
// finishes the job.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRequest, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import { runDirPath } from '../host/run-dir.js';
import { crashPoint } from '../lifecycle/crash-hook.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { formatConfig } from '../model/device-config.js';
import { requestOf } from './check.js';
import type { Step } from './plan.js';

/** A step failed; `leftChanged`: some done step could not be taken back. */
export class ApplyFailed extends MdevctlError {
  constructor(
    message: string,
    readonly leftChanged: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type RunStep = (request: CommandRequest) => Promise<unknown>;

export interface ExecuteOptions {
  readonly host: Host;
  readonly run: RunStep;
  readonly onStep?: (done: number, total: number, step: Step) => void;
}

/**
 * A private dir for the definitions the define/modify steps read (--jsonfile): run/mdevctl/apply.<pid>,
 * in mdevctl's own 0700 run dir (a tmpfs), not $TMPDIR; one left by an apply that was killed is
 * removed by the next apply (its pid no longer runs).
 */
class ConfigFiles {
  private dir: string | undefined;
  private n = 0;

  constructor(private readonly runDir: string) {}

  file(device: Pick<MdevDevice, 'type' | 'start' | 'attrs'>): string {
    if (this.dir === undefined) {
      sweepStale(this.runDir);
      const dir = join(this.runDir, `apply.${process.pid}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { mode: 0o700 });
      this.dir = dir;
    }
    const path = join(this.dir, `${++this.n}.json`);
    writeFileSync(path, formatConfig(device), { flag: 'wx', mode: 0o600 });
    return path;
  }

  remove(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Removes the staging dirs of applies that no longer run. */
function sweepStale(runDir: string): void {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^apply\.(\d+)$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue;
    rmSync(join(runDir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function executePlan(steps: readonly Step[], o: ExecuteOptions): Promise<void> {
  const files = new ConfigFiles(runDirPath(o.host.paths.root));
  const done: Step[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      o.onStep?.(i + 1, steps.length, step);
      try {
        await o.run(forward(step, files));
      } catch (err) {
        const undo = await takeBack(done, o, files);
        const what = `${step.action} ${step.parent}/${step.uuid} (${step.what})`;
        const after =
          done.length === 0
            ? 'nothing was changed'
            : undo.length === 0
              ? done.length === 1
                ? 'the step before it was taken back'
                : `the ${done.length} steps before it were taken back`
              : `could not take back: ${undo.join('; ')}`;
        throw new ApplyFailed(`Apply failed at step ${i + 1} of ${steps.length}, ${what}: ${firstLine(messageOf(err))}; ${after}`, undo.length > 0, { cause: err });
      }
      done.push(step);
      crashPoint('step');
    }
  } finally {
    files.remove();
  }
}

function forward(step: Step, files: ConfigFiles): CommandRequest {
  const needsFile = step.action === 'define' || step.action === 'modify';
  return requestOf(step, needsFile && step.device ? files.file(step.device) : '');
}

/** Undoes the done steps, newest first; resolves to what could not be undone. */
async function takeBack(done: readonly Step[], o: ExecuteOptions, files: ConfigFiles): Promise<string[]> {
  const problems: string[] = [];
  for (const step of [...done].reverse()) {
    try {
      const request = inverse(step, o.host, files);
      if (request) await o.run(request);
    } catch (err) {
      problems.push(`${step.action} ${step.parent}/${step.uuid}: ${firstLine(messageOf(err))}`);
    }
  }
  return problems;
}

function inverse(step: Step, host: Host, files: ConfigFiles): CommandRequest | undefined {
  switch (step.action) {
    case 'define':
      return { action: 'undefine', uuid: step.uuid, parent: step.parent };
    case 'start':
      return { action: 'stop', uuid: step.uuid };
    case 'undefine':
      return step.previous ? { action: 'define', uuid: step.uuid, parent: step.parent, auto: false, jsonfile: files.file(step.previous) } : undefined;
    case 'modify':
      return step.previous
        ? { action: 'modify', uuid: step.uuid, parent: step.parent, jsonfile: files.file(step.previous), delattr: false, auto: false, manual: false, live: false, defined: false }
        : undefined;
    case 'stop':
      // Started again from its definition (restored by now), or as the bare device it was.
      return host.store.exists(step.parent, step.uuid)
        ? { action: 'start', uuid: step.uuid, parent: step.parent }
        : { action: 'start', uuid: step.uuid, parent: step.parent, jsonfile: files.file({ type: step.type, start: 'manual', attrs: [] }) };
  }
}
