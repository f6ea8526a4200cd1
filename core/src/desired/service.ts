// `mdevctl apply/diff/assert` over one application: read the file, (wait for its parents,) plan,
// check the whole plan — the same check for all three, so diff and assert refuse what apply would
// — and carry it out under the definitions lock. A failure carries the plan and whether the host
// was left changed (DesiredStateError), for --json. The CLI commands (cli/commands/apply.ts,
// diff.ts, assert.ts) are thin layers over this.

import { createHash } from 'node:crypto';
import type { CommandRequest, PlacementRoomQuery, PlacementStep } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { MdevctlError, messageOf } from '../model/errors.js';
import { textSafe } from '../output/escape.js';
import { checkPlan } from './check.js';
import { ApplyFailed, executePlan } from './execute.js';
import { readDesiredFile, type DesiredFile } from './file.js';
import { namespaceOf } from './keys.js';
import { Ledger, type RecordState } from './ledger.js';
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

/**
 * A failure of apply/diff/assert, its message made safe to print (names escaped as `list`
 * does), with the plan when there was one and whether the host was left changed.
 */
export class DesiredStateError extends MdevctlError {
  /** `lines`: each one line of the message (escaped here, so that no name can add a line). */
  constructor(
    lines: readonly string[],
    readonly plan: Plan | undefined,
    readonly changed: boolean,
    options?: { cause?: unknown },
  ) {
    super(lines.map(textSafe).join('\n'), options);
  }

  static of(err: unknown, plan: Plan | undefined, changed = false): DesiredStateError {
    if (err instanceof DesiredStateError) return err;
    return new DesiredStateError([messageOf(err)], plan, changed, { cause: err });
  }
}

export class DesiredState {
  constructor(private readonly deps: DesiredStateDeps) {}

  /** The plan that would make the host match the file, checked as apply checks it (nothing written). */
  async diff(path: string, o: PlanOptions = {}): Promise<{ file: DesiredFile; plan: Plan }> {
    let plan: Plan | undefined;
    try {
      const file = await this.prepare(path, o);
      plan = await this.plan(file, o.prune === true);
      await this.refuseProblems(plan, file);
      return { file, plan };
    } catch (err) {
      throw DesiredStateError.of(err, plan);
    }
  }

  async apply(path: string, o: ApplyOptions = {}): Promise<ApplyResult> {
    if (o.dryRun) {
      const { file, plan } = await this.diff(path, o);
      return { file, plan, changed: false };
    }
    let plan: Plan | undefined;
    try {
      const file = await this.prepare(path, o);
      // Planned and checked before the lock, so that a long plan (thousands of devices) or a
      // refused one never holds up udev's and libvirt's commands; under the lock it is used only
      // when the host is still what it was planned against (else planned again there).
      const early = this.ledger(file).read();
      const seen = this.fingerprint(early);
      plan = await this.plan(file, o.prune === true, early);
      await this.refuseProblems(plan, file);
      return await this.deps.mutating(async () => {
        const record = this.ledger(file).read();
        if (this.fingerprint(record) !== seen) {
          plan = await this.plan(file, o.prune === true, record);
          await this.refuseProblems(plan, file);
        }
        return await this.carryOut(file, plan as Plan, record, o);
      });
    } catch (err) {
      throw DesiredStateError.of(err, plan, err instanceof ApplyFailed && err.leftChanged);
    }
  }

  private async carryOut(file: DesiredFile, plan: Plan, record: RecordState, o: ApplyOptions): Promise<ApplyResult> {
    const ledger = this.ledger(file);
    const before = record.devices;
    // Recorded before any step, so that a run that dies half-way still knows what it made (and a
    // record too big to read back is refused here, before anything is written).
    ledger.write(before, union(before, plan.managed), file.path);
    const opts = { host: this.deps.host, run: this.deps.run, ...(o.onStep ? { onStep: o.onStep } : {}) };
    try {
      await executePlan(plan.steps, opts);
    } catch (err) {
      ledger.restore(record.bytes);
      throw err;
    }
    ledger.write(union(before, plan.managed), plan.managed, file.path);
    return { file, plan, changed: plan.steps.length > 0 };
  }

  /** What a plan depends on: the definitions, the running devices, the pools, the record. */
  private fingerprint(record: RecordState): string {
    const { host } = this.deps;
    const hash = createHash('sha256');
    for (const d of host.store.scan().devices) hash.update(`d ${d.parent}/${d.uuid} ${d.type} ${d.start} ${JSON.stringify(d.attrs)}\n`);
    for (const a of host.sysfs.activeDevices()) hash.update(`a ${a.parent}/${a.uuid} ${a.type}\n`);
    for (const t of host.types()) hash.update(`t ${t.parent}/${t.type} ${t.availableInstances}\n`);
    hash.update(record.bytes ?? 'no record');
    return hash.digest('hex');
  }

  private ledger(file: DesiredFile): Ledger {
    return new Ledger(this.deps.host.paths, file.recordNamespace, file.profile);
  }

  private async prepare(path: string, o: PlanOptions): Promise<DesiredFile> {
    const file = await readDesiredFile(path, namespaceOf);
    await this.deps.plugins();
    if (o.waitParents !== undefined) await waitForParents(file, this.deps.host, o.waitParents, o.notice ?? (() => {}));
    return file;
  }

  private async plan(file: DesiredFile, prune: boolean, record: RecordState = this.ledger(file).read()): Promise<Plan> {
    return makePlan({
      file,
      host: this.deps.host,
      managedBefore: record.devices,
      prune,
      room: (q) => this.room(q),
      choose: (s) => this.choose(s),
    });
  }

  private async refuseProblems(plan: Plan, file: DesiredFile): Promise<void> {
    const problems = await checkPlan({ plan, host: this.deps.host, hooks: this.deps.hooks, file: file.path, room: (q) => this.room(q) });
    if (problems.length > 0) {
      throw new DesiredStateError([`${file.path}: the plan is refused, nothing was changed:`, ...problems], plan, false);
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
  const seen = new Set(a.map((y) => `${y.uuid}\0${y.parent}`));
  for (const x of b) if (!seen.has(`${x.uuid}\0${x.parent}`)) out.push(x);
  return out;
}
