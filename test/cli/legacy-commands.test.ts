// Black-box: the commands of the 0.x shell mdevctl (seed 001; upstream's first commits) as
// deprecated aliases — their 0.x arguments and output, one deprecation line on stderr naming
// the 1.x command, and the same lifecycle pipeline as the 1.x commands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { LIFECYCLE_STAGES, SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { mdevctl, type RunResult } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { inProcess } from '../helpers/packaging.js';

const U1 = 'ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const I915 = '0000:00:02.0';

function withHost(fn: (h: SimHost) => void | Promise<void>, parents = ['mtty', I915, 'mdpy']): () => Promise<void> {
  return async () => {
    const h = simHost({ parents });
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

/** The one deprecation line of a legacy command. */
function notice(command: string, replacement: string): string {
  return `mdevctl: '${command}' is a deprecated 0.x command; use '${replacement}'\n`;
}

function legacyOk(r: RunResult, command: string, replacement: string, stdout = ''): void {
  assert.deepEqual(r, { status: 0, stdout, stderr: notice(command, replacement) });
}

function run(h: SimHost, ...args: string[]): string {
  const r = mdevctl(h.root, ...args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const I915_TYPES = [
  ['i915-GVTg_V5_1', 1, 'low_gm_size: 512MB high_gm_size: 2048MB fence: 4 resolution: 1920x1200 weight: 16'],
  ['i915-GVTg_V5_2', 2, 'low_gm_size: 256MB high_gm_size: 1024MB fence: 4 resolution: 1920x1200 weight: 8'],
  ['i915-GVTg_V5_4', 4, 'low_gm_size: 128MB high_gm_size: 512MB fence: 4 resolution: 1920x1200 weight: 4'],
  ['i915-GVTg_V5_8', 8, 'low_gm_size: 64MB high_gm_size: 384MB fence: 4 resolution: 1024x768 weight: 2'],
] as const;

/** 0.x's list-all block of one type: no Name line; the description's newline became a space. */
function typeBlock(type: string, available: number, description?: string): string {
  return (
    `  ${type}\n    Available instances: ${available}\n    Device API: vfio-pci\n` +
    (description !== undefined ? `    Description: ${description} \n` : '')
  );
}

test(
  'list-all: per parent, each type with instances, API and a one-line description (trailing space as 0.x)',
  withHost((h) => {
    const expected =
      `${I915}\n${I915_TYPES.map(([t, n, d]) => typeBlock(t, n, d)).join('')}` +
      `mdpy\n${typeBlock('mdpy-hd', 4, 'virtual display, 1920x1080 framebuffer')}${typeBlock('mdpy-vga', 4, 'virtual display, 640x480 framebuffer')}${typeBlock('mdpy-xga', 4, 'virtual display, 1024x768 framebuffer')}` +
      `mtty\n${typeBlock('mtty-1', 24)}${typeBlock('mtty-2', 12)}`;
    legacyOk(mdevctl(h.root, 'list-all'), 'list-all', 'mdevctl types', expected);
    // A multi-line description is one line, each newline a space.
    writeFileSync(h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/description'), 'one\ntwo\n');
    assert.ok(mdevctl(h.root, 'list-all').stdout.includes(`${typeBlock('mtty-1', 24, 'one two')}`));
  }),
);

test(
  'list-available: leaves out the types without a free instance (the parent line stays)',
  withHost((h) => {
    for (let i = 0; i < 4; i++) run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-hd');
    const r = mdevctl(h.root, 'list-available');
    legacyOk(r, 'list-available', 'mdevctl types', r.stdout);
    assert.ok(r.stdout.includes('mdpy\nmtty\n'), r.stdout);
    assert.ok(r.stdout.includes(typeBlock('mtty-2', 12)));
    assert.ok(mdevctl(h.root, 'list-all').stdout.includes(`mdpy\n${typeBlock('mdpy-hd', 0, 'virtual display, 1920x1080 framebuffer')}`));
  }),
);

test(
  'create-mdev UUID PARENT TYPE: saved with start auto and started (seed 001); list-mdevs and list-saved',
  withHost((h) => {
    legacyOk(
      mdevctl(h.root, 'create-mdev', U1, I915, 'i915-GVTg_V5_8'),
      'create-mdev',
      `mdevctl define -u ${U1} -p ${I915} -t i915-GVTg_V5_8 --auto; mdevctl start -u ${U1}`,
    );
    assert.deepEqual(h.activeUuids(), [U1]);
    assert.equal(h.read(`etc/mdevctl.d/${I915}/${U1}`), '{\n  "mdev_type": "i915-GVTg_V5_8",\n  "start": "auto",\n  "attrs": []\n}');
    legacyOk(mdevctl(h.root, 'list-mdevs'), 'list-mdevs', 'mdevctl list', `${U1} ${I915} i915-GVTg_V5_8\n`);
    legacyOk(mdevctl(h.root, 'list-saved'), 'list-saved', 'mdevctl list --defined', `${U1} ${I915} i915-GVTg_V5_8 auto\n`);
  }),
);

test(
  'create-mdev --manual (before the command, as 0.x took it, or after): saved, not started',
  withHost((h) => {
    legacyOk(mdevctl(h.root, '--manual', 'create-mdev', U2, 'mtty', 'mtty-2'), 'create-mdev', `mdevctl define -u ${U2} -p mtty -t mtty-2`);
    legacyOk(mdevctl(h.root, 'create-mdev', U3, 'mtty', 'mtty-1', '--manual'), 'create-mdev', `mdevctl define -u ${U3} -p mtty -t mtty-1`);
    assert.deepEqual(h.activeUuids(), []);
    assert.equal(run(h, 'list', '-d'), `${U2} mtty mtty-2 manual\n${U3} mtty mtty-1 manual\n`);
    // --auto and --manual together: a usage error, nothing done
    const both = mdevctl(h.root, '--auto', '--manual', 'create-mdev', U1, 'mtty', 'mtty-1');
    assert.equal(both.status, 2);
    assert.equal(both.stdout, '');
    assert.match(both.stderr, /^error: The argument '--auto' cannot be used with '--manual'\n$/);
    assert.deepEqual(h.definitions('mtty'), [U2, U3]);
  }),
);

test(
  "the 0.x system default policy: etc/mdevctl.conf's start= applies to create-mdev and set-start without option",
  withHost((h) => {
    writeFileSync(h.path('etc/mdevctl.conf'), '# Start mode for new devices\nstart=manual\n');
    legacyOk(mdevctl(h.root, 'create-mdev', U2, 'mtty', 'mtty-2'), 'create-mdev', `mdevctl define -u ${U2} -p mtty -t mtty-2`);
    assert.deepEqual(h.activeUuids(), []);
    run(h, 'modify', '-u', U2, '--auto');
    legacyOk(mdevctl(h.root, 'set-start', U2), 'set-start', `mdevctl modify -u ${U2} --manual`);
    assert.equal(run(h, 'list', '-d'), `${U2} mtty mtty-2 manual\n`);
  }),
);

test(
  'start-mdev and stop-mdev: the saved device starts and stops; its definition stays',
  withHost((h) => {
    run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    legacyOk(mdevctl(h.root, 'start-mdev', U2), 'start-mdev', `mdevctl start -u ${U2}`);
    assert.deepEqual(h.activeUuids(), [U2]);
    assert.equal(h.available('mtty', 'mtty-2'), 11);
    legacyOk(mdevctl(h.root, 'stop-mdev', U2), 'stop-mdev', `mdevctl stop -u ${U2}`);
    assert.deepEqual(h.activeUuids(), []);
    assert.deepEqual(h.definitions('mtty'), [U2]);
    // Errors are those of start/stop, after the notice.
    const again = mdevctl(h.root, 'stop-mdev', U2);
    assert.equal(again.status, 1);
    assert.ok(again.stderr.startsWith(notice('stop-mdev', `mdevctl stop -u ${U2}`)));
    assert.match(again.stderr.split('\n')[1] ?? '', /^Error: .*not active/);
    const unknown = mdevctl(h.root, 'start-mdev', U3);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr.split('\n').length, 3, unknown.stderr);
  }),
);

test(
  'set-start --auto|--manual changes the start policy under every parent defining the uuid',
  withHost((h) => {
    run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    run(h, 'define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga');
    legacyOk(mdevctl(h.root, 'set-start', '--auto', U2), 'set-start', `mdevctl modify -u ${U2} --auto`);
    legacyOk(mdevctl(h.root, 'list-saved'), 'list-saved', 'mdevctl list --defined', `${U2} mdpy mdpy-vga auto\n${U2} mtty mtty-2 auto\n`);
    legacyOk(mdevctl(h.root, '--manual', 'set-start', U2), 'set-start', `mdevctl modify -u ${U2} --manual`);
    assert.equal(run(h, 'list', '-d'), `${U2} mdpy mdpy-vga manual\n${U2} mtty mtty-2 manual\n`);
    const none = mdevctl(h.root, 'set-start', '--auto', U3);
    assert.equal(none.status, 1, none.stderr);
  }),
);

test(
  'remove-mdev stops a running device and removes its definitions; an unknown uuid is an error',
  withHost((h) => {
    run(h, 'define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    run(h, 'define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga');
    run(h, 'start', '-u', U2, '-p', 'mtty');
    run(h, 'start', '-p', 'mtty', '-t', 'mtty-1', '-u', U3); // transient
    const replacement = (u: string) => `mdevctl stop -u ${u}; mdevctl undefine -u ${u}`;
    legacyOk(mdevctl(h.root, 'remove-mdev', U2), 'remove-mdev', replacement(U2));
    assert.deepEqual(h.activeUuids(), [U3]);
    assert.deepEqual([...h.definitions('mtty'), ...h.definitions('mdpy')], []);
    legacyOk(mdevctl(h.root, 'remove-mdev', U3), 'remove-mdev', replacement(U3));
    assert.deepEqual(h.activeUuids(), []);
    const r = mdevctl(h.root, 'remove-mdev', U1);
    assert.deepEqual(r, {
      status: 1,
      stdout: '',
      stderr: `${notice('remove-mdev', replacement(U1))}Error: No devices match the specified uuid\n`,
    });
  }),
);

test(
  'the 0.x arguments are required and checked: usage errors exit 2 without the notice',
  withHost((h) => {
    for (const args of [['start-mdev'], ['create-mdev', U1, 'mtty'], ['stop-mdev', U1, U2], ['list-saved', 'extra']]) {
      const r = mdevctl(h.root, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: .+\n$/);
    }
    const bad = mdevctl(h.root, 'start-mdev', 'not-a-uuid');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Invalid value "not-a-uuid" for '<mdev-UUID>': not a valid UUID\n$/);
    const parent = mdevctl(h.root, 'create-mdev', U1, '../etc', 'mtty-1');
    assert.equal(parent.status, 2);
    assert.deepEqual(h.activeUuids(), []);
  }),
);

test(
  'a notice about 0.x definitions waiting for import-legacy follows the deprecation line',
  withHost((h) => {
    writeFileSync(h.path(`etc/mdevctl.d/${U1}`), ''); // not a parent dir: ignored
    const r0 = mdevctl(h.root, 'list-mdevs');
    assert.equal(r0.stderr, notice('list-mdevs', 'mdevctl list'));
    run(h, 'define', '-u', U3, '-p', 'mtty', '-t', 'mtty-1');
    writeFileSync(h.path(`etc/mdevctl.d/mtty/${U2}`), 'mdev_type=mtty-2\nstart=auto\n');
    const r = mdevctl(h.root, 'list-mdevs');
    assert.equal(r.status, 0);
    assert.equal(
      r.stderr,
      `${notice('list-mdevs', 'mdevctl list')}mdevctl: 1 definition in the 0.x format is not used; run 'mdevctl import-legacy' to convert them\n`,
    );
  }),
);

/** Records `action:stage` for every lifecycle stage. */
class Recorder implements MdevctlPlugin {
  readonly name = 'recorder';
  readonly sdkVersion = SDK_VERSION;
  events: string[] = [];
  apply(hooks: MdevctlHooks): void {
    for (const stage of LIFECYCLE_STAGES) {
      const hook = hooks.lifecycle[stage] as unknown as { tap(name: string, fn: (...a: never[]) => undefined): void };
      hook.tap(this.name, ((ctx: { action: string }) => {
        this.events.push(`${ctx.action}:${stage}`);
        return undefined;
      }) as never);
    }
  }
}

test(
  'the legacy commands run through the lifecycle pipeline of the 1.x commands they stand for',
  withHost(async (h) => {
    const stages = (action: string) => LIFECYCLE_STAGES.map((s) => `${action}:${s}`);
    const cases: Array<[string[], string[]]> = [
      [['create-mdev', U2, 'mtty', 'mtty-2'], [...stages('define'), ...stages('start')]],
      [['stop-mdev', U2], stages('stop')],
      [['start-mdev', U2], stages('start')],
      [['set-start', '--manual', U2], stages('modify')],
      [['remove-mdev', U2], [...stages('stop'), ...stages('undefine')]],
      [['--manual', 'create-mdev', U3, 'mtty', 'mtty-1'], stages('define')],
      [['list-saved'], []],
    ];
    for (const [args, expected] of cases) {
      const rec = new Recorder();
      const r = await inProcess(h.root, args, { plugins: [rec] });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual(rec.events, expected, args.join(' '));
    }
  }),
);

test(
  'every legacy command has its own --help with its 0.x usage and examples, and is not in the command list',
  withHost((h) => {
    const usage: Record<string, string> = {
      'create-mdev': 'Usage: mdevctl create-mdev [OPTIONS] <MDEV-UUID> <PARENT-DEVICE> <MDEV_TYPE>',
      'start-mdev': 'Usage: mdevctl start-mdev [OPTIONS] <MDEV-UUID>',
      'stop-mdev': 'Usage: mdevctl stop-mdev [OPTIONS] <MDEV-UUID>',
      'remove-mdev': 'Usage: mdevctl remove-mdev [OPTIONS] <MDEV-UUID>',
      'set-start': 'Usage: mdevctl set-start [OPTIONS] <MDEV-UUID>',
      'list-all': 'Usage: mdevctl list-all [OPTIONS]',
      'list-available': 'Usage: mdevctl list-available [OPTIONS]',
      'list-mdevs': 'Usage: mdevctl list-mdevs [OPTIONS]',
      'list-saved': 'Usage: mdevctl list-saved [OPTIONS]',
    };
    const programHelp = run(h, '--help');
    for (const [command, line] of Object.entries(usage)) {
      const r = mdevctl(h.root, command, '--help');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'no deprecation notice for --help');
      assert.ok(r.stdout.includes(`${line}\n`), r.stdout);
      assert.match(r.stdout, /\(0\.x; use [^)]+\)/);
      assert.match(r.stdout, new RegExp(`Examples:\\n(.|\\n)*\\$ mdevctl( --manual)? ${command}`));
      assert.ok(!programHelp.includes(command), `${command} is not listed in mdevctl --help`);
    }
  }),
);
