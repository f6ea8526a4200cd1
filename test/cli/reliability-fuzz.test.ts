// Property-based fuzzing of the CLI arguments (issue 6): random commands, options and values
// (hostile names, uuids, indexes, JSON files good and bad, links leading outside the root) run
// against one simulated root. Every run exits 0, 1 or 2 as documented, prints no stack trace,
// ends a failure with an `Error:`/`error:` line, leaves every definition parseable and no temp
// file, and changes nothing outside the root. Thousands of cases run in this process through
// main(); a smaller sample as real processes. Seed and counts: test/helpers/fuzz.ts.

import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Host, HostPaths, StderrLogger } from 'mdevctl';
import { LSMDEV_BIN, runBin, tempDir, type RunResult } from '../helpers/cli.js';
import { tree } from '../helpers/expect.js';
import { FUZZ_SEED, fuzzParams } from '../helpers/fuzz.js';
import { leftovers } from '../helpers/reliability.js';
import { inProcess } from '../helpers/packaging.js';
import { createSimulatedHost } from '@mdevctl/plugin-sim';

const UUIDS = ['5e1d2c3b-4a59-4687-9766-554433221100', '5e1d2c3b-4a59-4687-9766-554433221101', '5E1D2C3B4A5946879766554433221102'];
const OUT_UUID = '5e1d2c3b-4a59-4687-9766-5544332211ff';

interface FuzzHost {
  root: string;
  outside: string;
  files: Record<string, string>;
  /** The definition problems planted on purpose (links leading outside). */
  planted: string[];
  cleanup: () => void;
}

function fuzzHost(): FuzzHost {
  const t = tempDir('mdevctl-fuzz-');
  const root = join(t.dir, 'root');
  const outside = join(t.dir, 'outside');
  const filesDir = join(t.dir, 'files');
  mkdirSync(root);
  createSimulatedHost(root);
  mkdirSync(outside);
  mkdirSync(filesDir);
  const good = JSON.stringify({ mdev_type: 'mtty-1', start: 'auto', attrs: [{ a: '1' }] });
  writeFileSync(join(outside, OUT_UUID), good);
  const defs = join(root, 'etc/mdevctl.d');
  symlinkSync(outside, join(defs, 'evil'));
  mkdirSync(join(defs, 'mdpy'));
  symlinkSync(join(outside, OUT_UUID), join(defs, 'mdpy', OUT_UUID));
  const files: Record<string, string> = {
    good: good,
    ap: JSON.stringify({ mdev_type: 'vfio_ap-passthrough', start: 'manual', attrs: [{ assign_adapter: '5' }, { assign_domain: '4' }] }),
    plain: JSON.stringify({ mdev_type: 'mdpy-vga', start: 'manual' }),
    deep: '['.repeat(100_000) + ']'.repeat(100_000),
    huge: `{"mdev_type":"mtty-1","start":"auto","attrs":[${'{"a":"b"},'.repeat(120_000)}{"a":"b"}]}`,
    latin1: '\xff\xfe{',
    newline: JSON.stringify({ mdev_type: 'mtty-1', start: 'auto', attrs: [{ a: 'x\ny' }] }),
    dotdot: JSON.stringify({ mdev_type: '..', start: 'auto' }),
  };
  const paths: Record<string, string> = {};
  for (const [k, v] of Object.entries(files)) {
    paths[k] = join(filesDir, `${k}.json`);
    writeFileSync(paths[k], k === 'latin1' ? Buffer.from(v, 'latin1') : v);
  }
  paths['missing'] = join(filesDir, 'missing.json');
  paths['dir'] = filesDir;
  paths['outside'] = join(outside, OUT_UUID);
  return {
    root,
    outside,
    files: paths,
    planted: [join(defs, 'evil'), join(defs, 'mdpy', OUT_UUID)],
    cleanup: t.cleanup,
  };
}

const MUTATING = new Set(['define', 'undefine', 'modify', 'start', 'stop', 'start-parent-mdevs']);
const COMMANDS = ['define', 'undefine', 'modify', 'start', 'stop', 'list', 'types', 'start-parent-mdevs', 'lsmdev', 'bogus'];
const FLAGS = [
  '-u', '--uuid', '-p', '--parent', '-t', '--type', '-a', '--auto', '-m', '--manual', '--addattr', '--value',
  '--delattr', '-i', '--index', '--jsonfile', '-l', '--live', '-d', '--defined', '--dumpjson', '-v', '--verbose',
  '-f', '--force', '-x', '--bogus',
];

function argsArb(h: FuzzHost): fc.Arbitrary<string[]> {
  const value = fc.oneof(
    fc.constantFrom(...UUIDS, ...UUIDS.map((u) => u.toUpperCase()), OUT_UUID),
    fc.constantFrom('mtty', 'mdpy', 'matrix', 'mtty-1', 'mtty-2', 'mdpy-vga', 'vfio_ap-passthrough', 'assign_adapter', 'evil', 'MTTY'),
    fc.constantFrom('..', '.', '../x', 'a/b', '/etc', '', 'x\ny', 'n'.repeat(300), 'é', '-', '--'),
    fc.constantFrom('0', '1', '2', '-1', '99999999999', '0x1', '1e3'),
    fc.constantFrom(...Object.values(h.files)),
    fc.string({ maxLength: 8 }),
  );
  const option = fc.oneof(
    fc.tuple(fc.constantFrom(...FLAGS), value).map(([f, v]) => [f, v]),
    fc.tuple(fc.constantFrom(...FLAGS.filter((f) => f.startsWith('--'))), value).map(([f, v]) => [`${f}=${v}`]),
    fc.constantFrom(...FLAGS).map((f) => [f]),
    value.map((v) => [v]),
  );
  return fc.tuple(fc.constantFrom(...COMMANDS), fc.array(option, { maxLength: 5 })).map(([c, opts]) => [c, ...opts.flat()]);
}

/** Checks one run's result against the documented behaviour. */
function checkRun(args: string[], r: RunResult): void {
  const what = JSON.stringify(args);
  assert.ok([0, 1, 2].includes(r.status), `${what}: exit ${r.status}`);
  assert.doesNotMatch(r.stderr, /^\s+at \S/m, `${what}: a stack trace`);
  assert.doesNotMatch(r.stderr, /\b(TypeError|RangeError|ReferenceError|Internal error)\b/, `${what}: an internal error`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (r.status === 1) assert.match(lines.at(-1) ?? '', /^Error: /, `${what}: ${r.stderr}`);
  if (r.status === 2) assert.ok(lines.some((l) => l.startsWith('error: ')), `${what}: ${r.stderr}`);
}

/** The invariants of the host after any run. */
function checkHost(h: FuzzHost, outsideBefore: Record<string, string>, what: string): void {
  assert.deepEqual(tree(h.outside), outsideBefore, `${what}: nothing outside the root changed`);
  assert.deepEqual(leftovers(h.root), [], `${what}: no temp, lock or intent file left`);
  const problems = new Host(new HostPaths(h.root), new StderrLogger('error', () => undefined)).store.scan().problems.map((p) => p.path);
  assert.deepEqual(problems, h.planted, `${what}: every definition but the planted links parses`);
}

test(`fuzz (seed ${FUZZ_SEED}): CLI arguments in-process — exit 0/1/2, no stack, nothing outside the root`, async () => {
  const h = fuzzHost();
  try {
    const outsideBefore = tree(h.outside);
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(argsArb(h), async (args) => {
        const [cmd, ...rest] = args;
        // lsmdev is `list` (the process sample below runs the real lsmdev program).
        const r = await inProcess(h.root, cmd === 'lsmdev' ? ['list', ...rest] : args);
        checkRun(args, r);
        checkHost(h, outsideBefore, JSON.stringify(args));
        const key = `${MUTATING.has(cmd ?? '') ? 'mutating' : 'other'} ${r.status}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      fuzzParams(2000),
    );
    // The cases reached every outcome, mutating commands that succeeded included.
    for (const key of ['mutating 0', 'mutating 1', 'mutating 2', 'other 0', 'other 2']) {
      assert.ok((seen.get(key) ?? 0) > 0, `no case gave '${key}': ${JSON.stringify([...seen])}`);
    }
  } finally {
    h.cleanup();
  }
});

test(`fuzz (seed ${FUZZ_SEED}): CLI arguments as real processes (a smaller sample)`, async () => {
  const h = fuzzHost();
  try {
    const outsideBefore = tree(h.outside);
    await fc.assert(
      fc.asyncProperty(argsArb(h), async (args) => {
        const [cmd, ...rest] = args;
        const r = cmd === 'lsmdev' ? runBin(h.root, rest, { bin: LSMDEV_BIN }) : runBin(h.root, args);
        checkRun(args, r);
        checkHost(h, outsideBefore, JSON.stringify(args));
      }),
      fuzzParams(20),
    );
  } finally {
    h.cleanup();
  }
});
