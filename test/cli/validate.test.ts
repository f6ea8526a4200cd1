// `mdevctl validate` (checks of a start for stored definitions, nothing written) and the
// `query.explainRefusal` hints core appends when the kernel refuses a write. Black-box runs of
// the real CLI for core's own checks; the in-process entry point with test plugins for the
// plugin side of the contract.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedKernel } from '@mdevctl/plugin-sim';
import { LIFECYCLE_STAGES, SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { mdevctl } from '../helpers/cli.js';
import { config, run, unchanged, withHost } from '../helpers/expect.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { inProcess } from '../helpers/packaging.js';

const U1 = '3c1d5e2a-7b40-4c1e-9a55-000000000001';
const U2 = '3c1d5e2a-7b40-4c1e-9a55-000000000002';
const U3 = '3c1d5e2a-7b40-4c1e-9a55-000000000003';

test('validate: no definitions, or only good ones, prints nothing and exits 0', () => {
  withHost((h) => {
    assert.deepEqual(mdevctl(h.root, 'validate'), { status: 0, stdout: '', stderr: '' });
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    run(h, 'define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga', '--auto');
    run(h, 'start', '-u', U2); // running as defined: fine
    unchanged(h, () => assert.deepEqual(mdevctl(h.root, 'validate'), { status: 0, stdout: '', stderr: '' }));
  });
});

test('validate: a clean run tells a terminal what it checked (stderr, one line); stdout stays empty', async () => {
  const h = simHost();
  try {
    const clean = (n: string) => ({ status: 0, stdout: '', stderr: `Checked ${n}: no problems found\n` });
    assert.deepEqual(await inProcess(h.root, ['validate'], { tty: true }), clean('0 definitions'));
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    assert.deepEqual(await inProcess(h.root, ['validate'], { tty: true }), clean('1 definition'));
    run(h, 'define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga');
    assert.deepEqual(await inProcess(h.root, ['validate'], { tty: true }), clean('2 definitions'));
    assert.deepEqual(await inProcess(h.root, ['validate', '-p', 'mdpy'], { tty: true }), clean('1 definition'));
    // not a terminal: nothing (what scripts see)
    assert.deepEqual(await inProcess(h.root, ['validate'], { tty: false }), { status: 0, stdout: '', stderr: '' });
    // a run with problems prints them only, as before
    run(h, 'define', '-u', U3, '-p', 'mtty', '-t', 'mtty-9');
    assert.deepEqual(await inProcess(h.root, ['validate'], { tty: true }), {
      status: 1,
      stdout: `mtty/${U3}: error: Parent mtty does not support mdev type mtty-9\n`,
      stderr: '',
    });
  } finally {
    h.cleanup();
  }
});

test('validate: every problem of every definition, one line each, exit 1, nothing written', () => {
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-9');
    run(h, 'define', '-u', U3, '-p', 'gone', '-t', 'x');
    mkdirSync(h.path('etc/mdevctl.d/mdpy'), { recursive: true });
    writeFileSync(h.path(`etc/mdevctl.d/mdpy/${U1}`), '{"mdev_type": ');
    unchanged(h, () => {
      const r = mdevctl(h.root, 'validate');
      assert.equal(r.status, 1);
      assert.equal(r.stderr, '');
      const lines = r.stdout.split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.length, 3, r.stdout);
      assert.match(lines[0] ?? '', new RegExp(`^mdpy/${U1}: error: .*etc/mdevctl\\.d/mdpy/${U1}`));
      assert.ok(lines.includes(`gone/${U3}: error: Unable to find parent device 'gone'`), r.stdout);
      assert.ok(lines.includes(`mtty/${U2}: error: Parent mtty does not support mdev type mtty-9`), r.stdout);
    });
  });
});

test('validate: -p and -u pick the definitions; an unknown uuid is an error', () => {
  withHost((h) => {
    run(h, 'define', '-u', U1, '-p', 'mtty', '-t', 'mtty-9');
    run(h, 'define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga');
    assert.deepEqual(mdevctl(h.root, 'validate', '-p', 'mdpy'), { status: 0, stdout: '', stderr: '' });
    assert.equal(mdevctl(h.root, 'validate', '-u', U1).status, 1);
    assert.deepEqual(mdevctl(h.root, 'validate', '-u', U3), {
      status: 1,
      stdout: '',
      stderr: 'Error: No devices match the specified uuid\n',
    });
  });
});

test('validate: a running device whose type differs from its definition is reported', () => {
  withHost((h) => {
    run(h, 'start', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    mkdirSync(h.path('etc/mdevctl.d/mtty'), { recursive: true });
    writeFileSync(h.path(`etc/mdevctl.d/mtty/${U1}`), config('mtty-2', 'manual'));
    assert.deepEqual(mdevctl(h.root, 'validate'), {
      status: 1,
      stdout: `mtty/${U1}: error: Device exists with different type\n`,
      stderr: '',
    });
  });
});

const runIn = (host: SimHost, args: string[], plugins: MdevctlPlugin[]) => inProcess(host.root, args, { plugins });

/** Reports an error for mtty-2 and a warning for everything; records the stages it saw. */
class Checker implements MdevctlPlugin {
  readonly name = 'checker';
  readonly sdkVersion = SDK_VERSION;
  seen: string[] = [];
  apply(hooks: MdevctlHooks): void {
    for (const stage of LIFECYCLE_STAGES) {
      const hook = hooks.lifecycle[stage] as unknown as { tap(name: string, fn: (ctx: { action: string; checkOnly: boolean }) => undefined): void };
      hook.tap(this.name, (ctx) => void this.seen.push(`${ctx.action}:${stage}:${ctx.checkOnly}`));
    }
    hooks.lifecycle.validate.tap(this.name, (ctx, diagnostics) => {
      if (ctx.device?.type === 'mtty-2') diagnostics.error(this.name, `mtty-2 is not allowed here`);
      diagnostics.warn(this.name, `looked at ${ctx.device?.uuid}`);
    });
  }
}

test('validate: plugins run their validate taps in checkOnly start runs, and nothing after', async () => {
  const h = simHost();
  try {
    for (const [u, t] of [[U1, 'mtty-1'], [U2, 'mtty-2']] as const) {
      mkdirSync(h.path('etc/mdevctl.d/mtty'), { recursive: true });
      writeFileSync(h.path(`etc/mdevctl.d/mtty/${u}`), config(t, 'manual'));
    }
    const checker = new Checker();
    const r = await runIn(h, ['validate'], [checker]);
    assert.deepEqual(r, {
      status: 1,
      stdout: [
        `mtty/${U1}: warning: Plugin checker: looked at ${U1}`,
        `mtty/${U2}: error: Plugin checker: mtty-2 is not allowed here`,
        `mtty/${U2}: warning: Plugin checker: looked at ${U2}`,
        '',
      ].join('\n'),
      stderr: '',
    });
    assert.deepEqual(checker.seen, ['define', 'validate', 'define', 'validate'].map((s) => `start:${s}:true`));
    // Warnings alone do not fail.
    const ok = await runIn(h, ['validate', '-u', U1], [new Checker()]);
    assert.equal(ok.status, 0);
    // A real start runs the same check, not in checkOnly mode, and is refused by it.
    const start = await runIn(h, ['start', '-u', U2], [new Checker()]);
    assert.deepEqual({ ...start, stderr: start.stderr.replace(/^\[[^\]]*\] /gm, '') }, {
      status: 1,
      stdout: '',
      stderr: `Plugin checker: looked at ${U2}\nError: Plugin checker: mtty-2 is not allowed here\n`,
    });
    assert.deepEqual(h.activeUuids(), []);
  } finally {
    h.cleanup();
  }
});

/**
 * Makes the kernel refuse the next create of its device: in pre, the same uuid is created on
 * mdpy first (the kernel allows one device per uuid). Explains EEXIST for the parents it claims.
 */
class Refuser implements MdevctlPlugin {
  readonly sdkVersion = SDK_VERSION;
  asked: string[] = [];
  constructor(
    readonly name: string,
    private readonly root: string,
    readonly claims: { parents: string[] },
    private readonly answer: string | undefined,
  ) {}
  apply(hooks: MdevctlHooks): void {
    hooks.lifecycle.pre.tap(this.name, (ctx) => {
      const create = join(this.root, 'sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create');
      if (ctx.action === 'start' && ctx.device) SimulatedKernel.open(this.root).write(create, ctx.device.uuid);
    });
    hooks.query.explainRefusal.tap(this.name, (refusal) => {
      this.asked.push(`${refusal.operation} ${refusal.code} ${refusal.errno} ${refusal.value} ${refusal.device.parent}`);
      return this.answer;
    });
  }
}

test('explainRefusal: a claiming plugin\'s hint is appended to the kernel error with the file', async () => {
  const h = simHost();
  try {
    const createFile = h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create');
    const upstream = `Error: Failed to create mdev ${U1}, type mtty-1 on mtty: File exists (os error 17)`;
    const hinted = new Refuser('hinted', h.root, { parents: ['mtty'] }, 'another parent already has a device with this uuid\nsecond line');
    const r = await runIn(h, ['start', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'], [hinted]);
    assert.deepEqual(r, {
      status: 1,
      stdout: '',
      stderr: `${upstream}; ${createFile}: another parent already has a device with this uuid\n`,
    });
    assert.deepEqual(hinted.asked, [`create EEXIST 17 ${U1} mtty`]);

    // No answer, or a plugin that does not claim the device: upstream's wording, unchanged.
    run(h, 'stop', '-u', U1);
    const silent = new Refuser('silent', h.root, { parents: ['mtty'] }, undefined);
    const other = new Refuser('other', h.root, { parents: ['mbochs'] }, 'never shown');
    const r2 = await runIn(h, ['start', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'], [silent, other]);
    assert.equal(r2.stderr, `${upstream}\n`);
    assert.deepEqual(silent.asked, [`create EEXIST 17 ${U1} mtty`]);
    assert.deepEqual(other.asked, []);
  } finally {
    h.cleanup();
  }
});
