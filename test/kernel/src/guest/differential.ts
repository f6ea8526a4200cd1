// Differential run on the real kernel: each sequence runs from a fresh host with Debian's
// mdevctl 1.2.0, then again from a fresh host with ours; after every step the exit status, the
// stdout (SPEC §8: 1.2.0's text list/types end with one more `\n`), whether stderr is empty, the
// files under /etc/mdevctl.d, the devices in sysfs and every pool must be the same.

import assert from 'node:assert/strict';
import { activeDevices, check, definitions, fillPool, oursInProcess as ours, pools, removeRaw, resetHost, theirs, U1, U2, U3, U4, U5, U9, type RunResult } from './lib.js';

interface Step {
  args: string[];
  lsmdev?: boolean;
  /** 1.2.0's exit status (a check on the scenario itself); default 0. */
  expect?: number;
  /** Instead of a command: the same host action on both sides (e.g. fill a pool). */
  action?: { label: string; run: () => string };
}

interface Sequence {
  name: string;
  steps: Step[];
}

interface View {
  status: number;
  stdout: string[];
  stderrEmpty: boolean;
  defs: Record<string, string>;
  active: string[];
  pools: Record<string, number>;
}

const s = (args: string[], expect = 0): Step => ({ args, expect });
const lsmdev = (args: string[]): Step => ({ args, lsmdev: true });
const action = (label: string, run: () => string): Step => ({ args: [], action: { label, run } });

const SEQUENCES: Sequence[] = [
  {
    name: 'lifecycle',
    steps: [
      s(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]),
      s(['list', '-d']),
      s(['list']),
      s(['start', '-u', U1]),
      s(['list']),
      s(['list', '-d']),
      s(['list', '-v']),
      s(['list', '-d', '-v']),
      s(['list', '--dumpjson']),
      s(['list', '-d', '--dumpjson']),
      s(['list', '-u', U1]),
      s(['list', '-u', U1, '--dumpjson']),
      s(['list', '-p', 'mtty']),
      s(['list', '-p', 'mdpy']),
      lsmdev([]),
      lsmdev(['-d']),
      lsmdev(['--dumpjson']),
      s(['types']),
      s(['types', '--dumpjson']),
      s(['types', '-p', 'mtty']),
      s(['stop', '-u', U1]),
      s(['list']),
      s(['list', '-d']),
      s(['list', '--dumpjson']),
      s(['undefine', '-u', U1]),
      s(['list', '-d']),
      s(['list', '-d', '--dumpjson']),
    ],
  },
  {
    name: 'transient and define -u',
    steps: [
      s(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2]),
      s(['start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U3]),
      s(['list']),
      s(['list', '-d']),
      s(['list', '--dumpjson']),
      s(['types', '-p', 'mbochs']),
      s(['types', '-p', 'mdpy', '--dumpjson']),
      s(['define', '-u', U2]),
      s(['list']),
      s(['list', '-d']),
      s(['stop', '-u', U3]),
      s(['stop', '-u', U2]),
      s(['list']),
      s(['list', '-d']),
    ],
  },
  {
    name: 'upper-case uuid',
    steps: [
      s(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1.toUpperCase()]),
      s(['list']),
      s(['define', '-u', U1.toUpperCase()]),
      s(['list', '-d']),
      s(['stop', '-u', U1.toUpperCase()]),
      s(['list', '-d']),
    ],
  },
  {
    name: 'modify',
    steps: [
      s(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]),
      s(['modify', '-u', U5, '--auto']),
      s(['modify', '-u', U5, '-t', 'mtty-2']),
      s(['modify', '-u', U5, '--addattr=foo', '--value=bar']),
      s(['list', '-d', '-v']),
      s(['list', '-d', '--dumpjson']),
      s(['start', '-u', U5], 1),
      s(['list']),
      s(['modify', '-u', U5, '--delattr', '--index=0']),
      s(['start', '-u', U5]),
      s(['modify', '-u', U5, '--manual']),
      s(['list']),
      s(['list', '-d']),
      s(['stop', '-u', U5]),
      s(['undefine', '-u', U5]),
      s(['list', '-d']),
    ],
  },
  {
    name: 'start-parent-mdevs',
    steps: [
      s(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3, '--auto']),
      s(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U4, '--auto']),
      s(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]),
      s(['define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1, '--auto']),
      s(['start-parent-mdevs', 'mtty']),
      s(['list']),
      s(['list', '-d']),
      s(['start-parent-mdevs', 'mtty']),
      s(['start-parent-mdevs', 'nosuchparent']),
      s(['start-parent-mdevs', 'mdpy']),
      s(['list']),
    ],
  },
  {
    // 13 auto mtty-2 definitions, defined out of uuid order, for 12 instances: which 12 start
    // depends on the order start-parent-mdevs takes them in; the 13th fails and the rest go on.
    name: 'start-parent-mdevs with too few instances',
    steps: [
      ...[7, 3, 12, 1, 10, 5, 13, 2, 9, 4, 11, 6, 8].map((n) =>
        s(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f${String(n + 10).padStart(2, '0')}`, '--auto']),
      ),
      s(['start-parent-mdevs', 'mtty']),
      s(['list']),
      s(['types', '-p', 'mtty']),
    ],
  },
  {
    name: 'refusals',
    steps: [
      s(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]),
      s(['start', '-u', U1]),
      s(['start', '-u', U1], 1),
      s(['start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1], 1),
      s(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1], 1),
      s(['start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1], 1),
      s(['start', '-p', 'mtty', '-t', 'mtty-9', '-u', U9], 1),
      s(['start', '-p', 'nosuchparent', '-t', 'mtty-1', '-u', U9], 1),
      s(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1], 1),
      s(['define', '-u', U9], 1),
      s(['undefine', '-u', U9], 1),
      s(['stop', '-u', U9], 1),
      s(['modify', '-u', U9, '--auto'], 1),
      s(['start', '-u', 'not-a-uuid'], 2),
      s(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U2]),
      s(['start', '-u', U2], 1),
      action(`remove ${U2} behind mdevctl's back`, () => removeRaw(U2)),
      s(['stop', '-u', U2], 1),
      s(['list']),
      s(['list', '-d']),
    ],
  },
  {
    name: 'exhausted pools',
    steps: [
      action('fill mtty with mtty-2 devices', () => fillPool('mtty', 'mtty-2')),
      s(['types', '-p', 'mtty']),
      s(['start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1], 1),
      action('fill the last mtty ports with mtty-1 devices', () => fillPool('mtty', 'mtty-1')),
      s(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1], 1),
      action('fill mbochs with mbochs-large devices', () => fillPool('mbochs', 'mbochs-large')),
      s(['start', '-p', 'mbochs', '-t', 'mbochs-large', '-u', U2], 1),
      s(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2], 1),
      action('fill mdpy with mdpy-vga devices', () => fillPool('mdpy', 'mdpy-vga')),
      s(['define', '-p', 'mdpy', '-t', 'mdpy-xga', '-u', U3]),
      s(['start', '-u', U3], 1),
      s(['types', '--dumpjson']),
    ],
  },
];

/** SPEC §8: 1.2.0's text list/types output ends with one more `\n` than ours. */
function normalise(step: Step, r: RunResult): RunResult {
  const listing = step.lsmdev === true || step.args[0] === 'list' || step.args[0] === 'types';
  if (!listing || step.args.includes('--dumpjson') || r.status !== 0) return r;
  if (r.stdout === '\n') return { ...r, stdout: '' };
  if (r.stdout.endsWith('\n\n')) return { ...r, stdout: r.stdout.slice(0, -1) };
  return r;
}

function view(r: RunResult): View {
  return {
    status: r.status,
    stdout: r.stdout.split('\n'),
    stderrEmpty: r.stderr === '',
    defs: definitions(),
    active: activeDevices(),
    pools: pools(),
  };
}

interface Ran {
  label: string;
  view: View;
  result: RunResult;
}

function label(step: Step): string {
  if (step.action) return step.action.label;
  return `${step.lsmdev ? 'lsmdev' : 'mdevctl'} ${step.args.join(' ')}`.trim();
}

type Program = (args: string[], opts: { lsmdev?: boolean }) => RunResult | Promise<RunResult>;

async function runAll(seq: Sequence, prog: Program, reference: boolean): Promise<Ran[]> {
  resetHost();
  const out: Ran[] = [];
  for (const step of seq.steps) {
    const result = step.action
      ? { status: 0, stdout: step.action.run(), stderr: '' }
      : await prog(step.args, step.lsmdev ? { lsmdev: true } : {});
    out.push({ label: label(step), view: view(reference ? normalise(step, result) : result), result });
  }
  return out;
}

export async function differential(): Promise<void> {
  for (const seq of SEQUENCES) {
    const ref = await runAll(seq, theirs, true);
    const mine = await runAll(seq, ours, false);
    for (const [i, step] of seq.steps.entries()) {
      const a = ref[i];
      const b = mine[i];
      if (!a || !b) continue;
      await check(`${seq.name} #${i + 1}: ${a.label}`, () => {
        const expect = step.expect ?? 0;
        if (!step.action && a.result.status !== expect) {
          assert.fail(`scenario check: 1.2.0 exited ${a.result.status}, expected ${expect}\n${a.result.stderr}`);
        }
        try {
          assert.deepStrictEqual(b.view, a.view);
        } catch (e) {
          throw new assert.AssertionError({
            message:
              `differs (+ ours, - 1.2.0)\n  ours:  exit ${b.result.status} stdout ${JSON.stringify(b.result.stdout)} stderr ${JSON.stringify(b.result.stderr)}\n` +
              `  1.2.0: exit ${a.result.status} stdout ${JSON.stringify(a.result.stdout)} stderr ${JSON.stringify(a.result.stderr)}\n` +
              (e as Error).message,
          });
        }
      });
    }
  }
}
