// Every mutating command runs through the lifecycle pipeline in order, and validate runs
// before anything is written. Runs the real CLI entry point in-process with a test plugin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIFECYCLE_STAGES, SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { inProcess } from '../helpers/packaging.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

const run = (host: SimHost, args: string[], plugins: MdevctlPlugin[]) => inProcess(host.root, args, { plugins });

/** Records `action:stage` for every stage, and what the host looked like at validate. */
class Recorder implements MdevctlPlugin {
  readonly name = 'recorder';
  readonly sdkVersion = SDK_VERSION;
  events: string[] = [];
  atValidate: Array<{ defined: boolean; active: boolean }> = [];
  constructor(private readonly host: SimHost) {}

  apply(hooks: MdevctlHooks): void {
    for (const stage of LIFECYCLE_STAGES) {
      const hook = hooks.lifecycle[stage] as unknown as { tap(name: string, fn: (...a: never[]) => undefined): void };
      hook.tap(this.name, ((ctx: { action: string; device?: { parent: string; uuid: string } }) => {
        this.events.push(`${ctx.action}:${stage}`);
        if (stage === 'validate' && ctx.device) {
          this.atValidate.push({
            defined: this.host.exists(`etc/mdevctl.d/${ctx.device.parent}/${ctx.device.uuid}`),
            active: this.host.exists(`sys/bus/mdev/devices/${ctx.device.uuid}`),
          });
        }
        return undefined;
      }) as never);
    }
  }
}

const stagesOf = (action: string) => LIFECYCLE_STAGES.map((s) => `${action}:${s}`);

test('define, modify, start, stop and undefine each run define→validate→pre→create→attrs→post→notify', async () => {
  const host = simHost();
  try {
    const rec = new Recorder(host);
    const steps: Array<[string[], string]> = [
      [['define', '-u', U, '-p', 'mtty', '-t', 'mtty-2'], 'define'],
      [['modify', '-u', U, '--auto'], 'modify'],
      [['start', '-u', U], 'start'],
      [['stop', '-u', U], 'stop'],
      [['undefine', '-u', U], 'undefine'],
    ];
    for (const [args, action] of steps) {
      rec.events = [];
      const r = await run(host, args, [rec]);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual(rec.events, stagesOf(action), args.join(' '));
    }
    // At validate, nothing of the change had happened yet.
    assert.deepEqual(rec.atValidate, [
      { defined: false, active: false }, // define: no file yet
      { defined: true, active: false }, // modify: the old file
      { defined: true, active: false }, // start: device not yet created
      { defined: true, active: true }, // stop: still running
      { defined: true, active: false }, // undefine: file still there
    ]);
    assert.deepEqual(host.definitions('mtty'), []);
  } finally {
    host.cleanup();
  }
});

test('start-parent-mdevs runs the pipeline once per auto definition', async () => {
  const host = simHost();
  try {
    const rec = new Recorder(host);
    const uuids = [U, U.replace(/01$/, '02'), U.replace(/01$/, '03')];
    await run(host, ['define', '-u', uuids[0]!, '-p', 'mtty', '-t', 'mtty-1', '--auto'], []);
    await run(host, ['define', '-u', uuids[1]!, '-p', 'mtty', '-t', 'mtty-1'], []);
    await run(host, ['define', '-u', uuids[2]!, '-p', 'mtty', '-t', 'mtty-2', '--auto'], []);
    const r = await run(host, ['start-parent-mdevs', 'mtty'], [rec]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(rec.events, [...stagesOf('start'), ...stagesOf('start')]);
    assert.deepEqual(host.activeUuids(), [uuids[0], uuids[2]]);
  } finally {
    host.cleanup();
  }
});

test('every validation problem is reported at once, and nothing is written or called', async () => {
  const host = simHost();
  try {
    const rec = new Recorder(host);
    const strict: MdevctlPlugin = {
      name: 'strict',
      sdkVersion: SDK_VERSION,
      apply(hooks) {
        hooks.lifecycle.validate.tap('strict', (_ctx, diagnostics) => {
          diagnostics.error('strict', 'first problem');
          diagnostics.warn('strict', 'just a warning');
          diagnostics.error('strict', 'second problem');
        });
      },
    };
    const r = await run(host, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-2'], [rec, strict]);
    assert.equal(r.status, 1);
    // an external plugin's problems name it (core's and the built-in plugins' do not)
    assert.match(r.stderr, /WARN {2}mdevctl\] Plugin strict: just a warning\n/);
    assert.ok(r.stderr.endsWith('Error: Plugin strict: first problem\nError: Plugin strict: second problem\n'), r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(rec.events, ['define:define', 'define:validate']);
    assert.deepEqual(host.definitions('mtty'), []);
  } finally {
    host.cleanup();
  }
});

test('a failing pre aborts before the primary action; notify still runs', async () => {
  const host = simHost();
  try {
    const rec = new Recorder(host);
    const veto: MdevctlPlugin = {
      name: 'veto',
      sdkVersion: SDK_VERSION,
      apply(hooks) {
        hooks.lifecycle.pre.tap('veto', () => {
          throw new Error('vetoed by policy');
        });
      },
    };
    const r = await run(host, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-2'], [veto, rec]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'Error: Plugin veto: vetoed by policy\n');
    assert.deepEqual(rec.events, ['define:define', 'define:validate', 'define:notify']);
    assert.deepEqual(host.definitions('mtty'), []);
  } finally {
    host.cleanup();
  }
});

test('a start whose attribute fails stops the device again; post sees the failure', async () => {
  const host = simHost();
  try {
    const states: string[] = [];
    const watcher: MdevctlPlugin = {
      name: 'watcher',
      sdkVersion: SDK_VERSION,
      apply(hooks) {
        hooks.lifecycle.post.tap('watcher', (ctx) => {
          states.push(ctx.state);
        });
      },
    };
    await run(host, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-2'], []);
    await run(host, ['modify', '-u', U, '--addattr', 'foo', '--value', 'bar'], []);
    const before = host.available('mtty', 'mtty-2');
    const r = await run(host, ['start', '-u', U], [watcher]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "Error: Invalid attribute 'foo'\n");
    assert.deepEqual(states, ['failure']);
    assert.deepEqual(host.activeUuids(), []);
    assert.equal(host.available('mtty', 'mtty-2'), before);
  } finally {
    host.cleanup();
  }
});

test('a plugin built for another SDK major version is refused with a clear error', async () => {
  const host = simHost();
  try {
    const old: MdevctlPlugin = { name: 'old-vendor', sdkVersion: '0.9.0', apply() {} };
    const r = await run(host, ['list'], [old]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `Error: Plugin old-vendor was built for plugin SDK 0.9.0, but this mdevctl provides SDK ${SDK_VERSION}; update the plugin\n`);
  } finally {
    host.cleanup();
  }
});
