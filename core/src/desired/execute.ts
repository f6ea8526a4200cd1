// Carries out a checked plan, one step at a time, each through the normal lifecycle pipeline (its
// own validate stage against the host of that moment, the call-outs, the journal and the intent
// record exactly as for the single command). When a step fails, the steps this apply already
// did are taken back, newest first, again through the pipeline (a define by an undefine, a start
// by a stop, a modify or undefine by storing the definition as it was, a stop by a start), so a
// failed apply leaves the host as it found it — or names what could not be taken back. If the
// process dies half-way (power loss, kill -9), the step in flight is taken back by the next
// command's crash recovery and every step before it stays done: applying the file again then
// finishes the job.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandRequest, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import { crashPoint } from '../lifecycle/crash-hook.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { formatConfig } from '../model/device-config.js';
import { requestOf } from './check.js';
import type { Step } from './plan.js';

export type RunStep = (request: CommandRequest) => Promise<unknown>;

export interface ExecuteOptions {
  readonly host: Host;
  readonly run: RunStep;
  readonly onStep?: (done: number, total: number, step: Step) => void;
}

/** A private dir for the definitions the define/modify steps read (--jsonfile). */
class ConfigFiles {
  private dir: string | undefined;
  private n = 0;

  file(device: Pick<MdevDevice, 'type' | 'start' | 'attrs'>): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'mdevctl-apply-'));
    const path = join(this.dir, `${++this.n}.json`);
    writeFileSync(path, formatConfig(device), { flag: 'wx', mode: 0o600 });
    return path;
  }

  remove(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function executePlan(steps: readonly Step[], o: ExecuteOptions): Promise<void> {
  const files = new ConfigFiles();
  const done: Step[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      o.onStep?.(i + 1, steps.length, step);
      try {
        await o.run(forward(step, files));
      } catch (err) {
        const undo = await takeBack(done, o, files);
        const what = `${step.action} ${step.parent}/${step.uuid} (${step.what})`;
        const after = done.length === 0 ? 'nothing was changed' : undo.length === 0 ? `the ${done.length} step${done.length === 1 ? '' : 's'} before it were taken back` : `could not take back: ${undo.join('; ')}`;
        throw new MdevctlError(`Apply failed at step ${i + 1} of ${steps.length}, ${what}: ${firstLine(messageOf(err))}; ${after}`, { cause: err });
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
