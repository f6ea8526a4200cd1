// `mdevctl apply/diff/assert` over one application: read the file, (wait for its parents,) plan,
// check the whole plan, and carry it out under the definitions lock. The CLI commands
// (cli/commands/apply.ts, diff.ts, assert.ts) are thin layers over this.

import type { CommandRequest, PlacementRoomQuery, PlacementStep } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { MdevctlError } from '../model/errors.js';
import { checkPlan } from './check.js';
import { executePlan } from './execute.js';
import { readDesiredFile, type DesiredFile } from './file.js';
import { namespaceOf } from './keys.js';
import { Ledger } from './ledger.js';
import { makePlan, type Plan, type Step } from './plan.js';
import { waitForParents } from './wait.js';

export interface DesiredStateDeps {
  readonly host: Host;
  readonly hooks: CoreHooks;
  /** Loads the plugins (their taps on the hooks), once. */
  plugins(): Promise<unknown>;
  /** One pipeline run (no lock: the caller holds it). */
  run(request: CommandRequest): Promise<unknown>;
  /** Runs under the definitions lock, after crash recovery. */
  mutating<T>(fn: () => Promise<T>): Promise<T>;
}

export interface PlanOptions {
  readonly prune?: boolean;
  /** Wait up to this many seconds for the file's parents first. */
  readonly waitParents?: number;
  /** Where the waiting notice goes (stderr). */
  readonly notice?: (line: string) => void;
}

export interface ApplyOptions extends PlanOptions {
  readonly dryRun?: boolean;
  readonly onStep?: (done: number, total: number, step: Step) => void;
}

export interface ApplyResult {
  readonly file: DesiredFile;
  readonly plan: Plan;
  /** False for a dry run or an empty plan. */
  readonly changed: boolean;
}

export class DesiredState {
  constructor(private readonly deps: DesiredStateDeps) {}

  /** The plan that would make the host match the file (nothing written). */
  async diff(path: string, o: PlanOptions = {}): Promise<{ file: DesiredFile; plan: Plan }> {
    const file = await this.prepare(path, o);
    return { file, plan: await this.plan(file, o.prune === true) };
  }

  async apply(path: string, o: ApplyOptions = {}): Promise<ApplyResult> {
    const file = await this.prepare(path, o);
    if (o.dryRun) {
      const plan = await this.plan(file, o.prune === true);
      await this.refuseProblems(plan, file);
      return { file, plan, changed: false };
    }
    return this.deps.mutating(async () => {
      const plan = await this.plan(file, o.prune === true);
      await this.refuseProblems(plan, file);
      const ledger = new Ledger(this.deps.host.paths, file.namespace);
      const before = ledger.read();
      // Recorded before any step, so that a run that dies half-way still knows what it made.
      ledger.write(before, union(before, plan.managed), file.path);
      const opts = { host: this.deps.host, run: this.deps.run, ...(o.onStep ? { onStep: o.onStep } : {}) };
      try {
        await executePlan(plan.steps, opts);
      } catch (err) {
        ledger.write(union(before, plan.managed), before, file.path);
        throw err;
      }
      ledger.write(union(before, plan.managed), plan.managed, file.path);
      return { file, plan, changed: plan.steps.length > 0 };
    });
  }

  private async prepare(path: string, o: PlanOptions): Promise<DesiredFile> {
    const file = await readDesiredFile(path, namespaceOf);
    await this.deps.plugins();
    if (o.waitParents !== undefined) await waitForParents(file, this.deps.host, o.waitParents, o.notice ?? (() => {}));
    return file;
  }

  private async plan(file: DesiredFile, prune: boolean): Promise<Plan> {
    const managedBefore = new Ledger(this.deps.host.paths, file.namespace).read();
    return makePlan({
      file,
      host: this.deps.host,
      managedBefore,
      prune,
      room: (q) => this.room(q),
      choose: (s) => this.choose(s),
    });
  }

  private async refuseProblems(plan: Plan, file: DesiredFile): Promise<void> {
    const problems = await checkPlan({ plan, host: this.deps.host, hooks: this.deps.hooks, file: file.path, room: (q) => this.room(q) });
    if (problems.length > 0) {
      throw new MdevctlError(`${file.path}: the plan is refused, nothing was changed:\n${problems.join('\n')}`);
    }
  }

  private async room(q: PlacementRoomQuery): Promise<number> {
    const n = await this.deps.hooks.placement.room.promise(q, { purpose: 'place', host: this.deps.host, log: this.deps.host.log });
    return typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
  }

  private async choose(s: PlacementStep): Promise<string> {
    const p = await this.deps.hooks.placement.choose.promise(s, { purpose: 'place', host: this.deps.host, log: this.deps.host.log });
    if (p === undefined) throw new MdevctlError(`Unknown placement policy '${s.policy}' (request ${s.request}); built in: spread, pack, one-type-per-parent`);
    return p;
  }
}

function union<T extends { uuid: string; parent: string }>(a: readonly T[], b: readonly T[]): T[] {
  const out = [...a];
  for (const x of b) if (!out.some((y) => y.uuid === x.uuid && y.parent === x.parent)) out.push(x);
  return out;
}
