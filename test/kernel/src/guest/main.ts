// The real-kernel checks, run inside the qemu guest (as root, on the real /sys and /etc) by
// /guest/run. Each check is sent home as it finishes; the host's node:test file reports them.
// Sections: the fidelity probe, our CLI on real parents, its messages for every refusal (ours
// and the kernel's own), the udev rule's boot-time start, and a differential run against
// Debian's mdevctl 1.2.0 in the same guest.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runProbe, ueventsByPhase, UEVENT_ENV_KEYS, type ProbeUevent } from '../probe.js';
import { KernelSysfsWriter } from '../../../../core/dist/sysfs/writer.js';
import { configFile, typesJson, typesText } from './expected.js';
import {
  activeDevices,
  check,
  definitionFile,
  definitions,
  fillPool,
  finish,
  FRESH_POOLS,
  oursInProcess as ours,
  oursSpawned,
  pools,
  removeRaw,
  resetHost,
  send,
  beginSection,
  endSection,
  sh,
  show,
  sleep,
  U1,
  U2,
  U3,
  U4,
  U5,
  U9,
  UUID_LINE,
  type RunResult,
} from './lib.js';
import { differential } from './differential.js';
import { bootTiming } from './boot-timing.js';
import { racePlugin } from './race.js';
import { desiredState } from './desired.js';
import { monitorStage } from './monitor.js';

const started = Date.now();
const section = beginSection;

/** exit 0, the stdout given, nothing on stderr. */
function ok(r: RunResult, stdout = ''): void {
  assert.deepEqual(r, { status: 0, stdout, stderr: '' }, show(r));
}

/** Runs our CLI and requires success with this stdout. */
async function run(args: string[], stdout = ''): Promise<RunResult> {
  const r = await ours(args);
  ok(r, stdout);
  return r;
}

/** A refusal: exit 1 (or 2), nothing on stdout, exactly one line on stderr matching `message`. */
function refused(r: RunResult, message: RegExp, status = 1): void {
  assert.equal(r.status, status, show(r));
  assert.equal(r.stdout, '', show(r));
  assert.match(r.stderr, status === 1 ? /^Error: [^\n]+\n$/ : /^error: [^\n]+\n$/, `not one line: ${show(r)}`);
  assert.match(r.stderr, message, show(r));
}

interface HostState {
  active: string[];
  defs: Record<string, string>;
  pools: Record<string, number>;
}
function state(): HostState {
  return { active: activeDevices(), defs: definitions(), pools: pools() };
}
/** Runs fn and checks that nothing changed: devices, definitions, pools. */
async function unchanged(fn: () => Promise<void> | void): Promise<void> {
  const before = state();
  await fn();
  assert.deepEqual(state(), before, 'the host changed');
}

/** Our CLI with the race plugin (race.ts): the kernel's state changes in the pre stage. */
async function race(mode: string, args: string[]): Promise<{ r: RunResult; race: string }> {
  let what = '(the pre tap did not run)';
  const r = await ours(args, { plugins: [racePlugin(mode, (w) => (what = w))] });
  return { r, race: what };
}

// -------------------------------------------------------------------------------------------------
section('fidelity probe (sysfs, real kernel)');
// Every uevent during the probe, as busybox `uevent` hands them to a hook (in kernel order).
const UEVENTS = '/run/probe-uevents';
writeFileSync(
  '/run/uevent-log.sh',
  `#!/bin/sh\necho "$ACTION|$SUBSYSTEM|$DEVPATH|${UEVENT_ENV_KEYS.map((k) => `${k}=$${k}`).join('|')}" >>${UEVENTS}\n`,
  { mode: 0o755 },
);
const ueventLog = spawn('/bin/busybox', ['uevent', '/run/uevent-log.sh'], { stdio: 'ignore' });
await sleep(500);
await check('the probe runs to the end on the real kernel', async () => {
  const writer = new KernelSysfsWriter();
  const data = runProbe({
    root: '/',
    write: (p, d) => writer.write(p, d),
    unplug: (p) => void sh(`rmmod ${p}`),
    plug: (p) => void sh(`modprobe ${p}`),
  });
  // Wait until the hook has caught up (the log stops growing).
  let size = -1;
  for (let i = 0; i < 100; i++) {
    await sleep(300);
    const now = existsSync(UEVENTS) ? readFileSync(UEVENTS).length : 0;
    if (now === size) break;
    size = now;
  }
  ueventLog.kill();
  const events: ProbeUevent[] = (existsSync(UEVENTS) ? readFileSync(UEVENTS, 'utf8') : '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [action = '', subsystem = '', devpath = '', ...kv] = l.split('|');
      const env: Record<string, string> = {};
      for (const x of kv) {
        const i = x.indexOf('=');
        env[x.slice(0, i)] = x.slice(i + 1);
      }
      return { action, subsystem, devpath, env };
    });
  data['uevents'] = ueventsByPhase(events);
  send({ kind: 'probe', data });
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('types');
await check('types: all three drivers, every type, exact text', async () => {
  await run(['types'], typesText(FRESH_POOLS));
});
await check('types --dumpjson: exact JSON, one trailing newline', async () => {
  await run(['types', '--dumpjson'], `${JSON.stringify(typesJson(FRESH_POOLS), null, 2)}\n`);
});
await check('types -p mdpy / -p mtty', async () => {
  await run(['types', '-p', 'mdpy'], typesText(FRESH_POOLS, 'mdpy'));
  await run(['types', '-p', 'mtty', '--dumpjson'], `${JSON.stringify(typesJson(FRESH_POOLS, 'mtty'), null, 2)}\n`);
});
await check('types -p nosuchparent: nothing, exit 0', async () => {
  const r = await ours(['types', '-p', 'nosuchparent']);
  assert.equal(r.status, 0, show(r));
  assert.ok(r.stdout === '' || r.stdout === '[]\n', show(r));
});
const afterStarts = { ...FRESH_POOLS };
await check('shared pool mtty: one mtty-2 takes 2 ports (mtty-1 22, mtty-2 11)', async () => {
  await run(['start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
  Object.assign(afterStarts, { 'mtty/mtty-1': 22, 'mtty/mtty-2': 11 });
  assert.deepEqual(pools(), afterStarts);
  await run(['types', '-p', 'mtty'], typesText(afterStarts, 'mtty'));
});
await check('shared pool mbochs: one mbochs-small takes 4 MB (large 3, medium 15, small 63)', async () => {
  await run(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2]);
  Object.assign(afterStarts, { 'mbochs/mbochs-large': 3, 'mbochs/mbochs-medium': 15, 'mbochs/mbochs-small': 63 });
  assert.deepEqual(pools(), afterStarts);
});
await check('shared pool mdpy: one mdpy-hd takes one of 4 (hd, vga, xga all 3)', async () => {
  await run(['start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U3]);
  Object.assign(afterStarts, { 'mdpy/mdpy-hd': 3, 'mdpy/mdpy-vga': 3, 'mdpy/mdpy-xga': 3 });
  assert.deepEqual(pools(), afterStarts);
});
await check('types after the starts: exact text and JSON', async () => {
  await run(['types'], typesText(afterStarts));
  await run(['types', '--dumpjson'], `${JSON.stringify(typesJson(afterStarts), null, 2)}\n`);
});
await check('stop gives every instance back', async () => {
  for (const u of [U1, U2, U3]) await run(['stop', '-u', u]);
  assert.deepEqual(activeDevices(), []);
  assert.deepEqual(pools(), FRESH_POOLS);
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('define, start, list, stop, undefine');
await check('define -p mtty -t mtty-2 -u U1: no output, the file upstream writes', async () => {
  await run(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
  assert.equal(definitionFile('mtty', U1), configFile('mtty-2', 'manual'));
  assert.deepEqual(activeDevices(), []);
});
await check('list -d shows the definition; list shows nothing', async () => {
  await run(['list', '-d'], `${U1} mtty mtty-2 manual\n`);
  await run(['list']);
});
await check('start -u U1: the kernel creates it (mdev_type mtty-2, one mtty-2 used)', async () => {
  await run(['start', '-u', U1]);
  assert.deepEqual(activeDevices(), [`${U1} mtty mtty-2`]);
  assert.equal(pools()['mtty/mtty-2'], 11);
});
await check('list: (defined); list -d: (active); -v adds nothing without attributes', async () => {
  await run(['list'], `${U1} mtty mtty-2 manual (defined)\n`);
  await run(['list', '-d'], `${U1} mtty mtty-2 manual (active)\n`);
  await run(['list', '-v'], `${U1} mtty mtty-2 manual (defined)\n`);
  await run(['list', '-d', '-v'], `${U1} mtty mtty-2 manual (active)\n`);
  await run(['list', '-u', U1], `${U1} mtty mtty-2 manual (defined)\n`);
  await run(['list', '-p', 'mdpy']);
});
await check('lsmdev = mdevctl list', async () => {
  ok(await ours([], { lsmdev: true }), `${U1} mtty mtty-2 manual (defined)\n`);
  ok(await ours(['-d'], { lsmdev: true }), `${U1} mtty mtty-2 manual (active)\n`);
});
const listJson = `${JSON.stringify([{ mtty: [{ [U1]: { mdev_type: 'mtty-2', start: 'manual', attrs: [] } }] }], null, 2)}\n`;
await check('list --dumpjson and list -d --dumpjson: exact JSON', async () => {
  await run(['list', '--dumpjson'], listJson);
  await run(['list', '-d', '--dumpjson'], listJson);
  ok(await ours(['--dumpjson'], { lsmdev: true }), listJson);
});
await check('list -u U1 --dumpjson: the config of that one device', async () => {
  const r = await ours(['list', '-u', U1, '--dumpjson']);
  assert.equal(r.status, 0, show(r));
  assert.deepEqual(JSON.parse(r.stdout), { mdev_type: 'mtty-2', start: 'manual', attrs: [] });
});
await check('stop -u U1: gone from sysfs, the instance is free again', async () => {
  await run(['stop', '-u', U1]);
  assert.deepEqual(activeDevices(), []);
  assert.deepEqual(pools(), FRESH_POOLS);
  await run(['list']);
  await run(['list', '-d'], `${U1} mtty mtty-2 manual\n`);
});
await check('undefine -u U1: the file is gone', async () => {
  await run(['undefine', '-u', U1]);
  assert.equal(definitionFile('mtty', U1), undefined);
  await run(['list', '-d']);
  await run(['list', '--dumpjson'], '[]\n');
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('the installed programs, as child processes');
await check('mdevctl (core/bin/mdevctl.js): start, list, a refusal, stop — exit codes and output', () => {
  ok(oursSpawned(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]));
  assert.deepEqual(activeDevices(), [`${U1} mtty mtty-1`]);
  ok(oursSpawned(['list']), `${U1} mtty mtty-1 manual\n`);
  refused(oursSpawned(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]), /^Error: Device [0-9a-f-]{36} already exists\n$/);
  ok(oursSpawned(['stop', '-u', U1]));
  assert.deepEqual(activeDevices(), []);
});
await check('lsmdev (core/bin/lsmdev.js) and the /usr/local/sbin/mdevctl symlink', () => {
  ok(oursSpawned(['define', '-p', 'mdpy', '-t', 'mdpy-xga', '-u', U2]));
  ok(oursSpawned(['-d'], { lsmdev: true }), `${U2} mdpy mdpy-xga manual\n`);
  const r = sh('/usr/local/sbin/mdevctl list -d --dumpjson');
  assert.deepEqual(JSON.parse(r), [{ mdpy: [{ [U2]: { mdev_type: 'mdpy-xga', start: 'manual', attrs: [] } }] }]);
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('transient devices');
await check('start -p mbochs -t mbochs-small -u U2: created, nothing defined', async () => {
  await run(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2]);
  assert.deepEqual(activeDevices(), [`${U2} mbochs mbochs-small`]);
  assert.deepEqual(definitions(), { 'scripts.d/': 'dir', 'scripts.d/callouts/': 'dir', 'scripts.d/notifiers/': 'dir' });
});
let generated = '';
await check('start -p mdpy -t mdpy-vga: prints the generated uuid, which the kernel has', async () => {
  const r = await ours(['start', '-p', 'mdpy', '-t', 'mdpy-vga']);
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stderr, '');
  assert.match(r.stdout, UUID_LINE);
  generated = r.stdout.trim();
  assert.ok(activeDevices().includes(`${generated} mdpy mdpy-vga`), activeDevices().join('\n'));
});
await check('list: transient devices without (defined), by parent then uuid; list -d: nothing', async () => {
  await run(['list'], `${U2} mbochs mbochs-small manual\n${generated} mdpy mdpy-vga manual\n`);
  await run(['list', '-d']);
});
await check('start -p mtty -t mtty-1 -u UPPER-CASE: the kernel names it in lower case', async () => {
  await run(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U3.toUpperCase()]);
  assert.ok(activeDevices().includes(`${U3} mtty mtty-1`), activeDevices().join('\n'));
  await run(['list', '-p', 'mtty'], `${U3} mtty mtty-1 manual\n`);
  await run(['stop', '-u', U3.toUpperCase()]);
  assert.ok(!activeDevices().some((l) => l.startsWith(U3)));
});
await check('stop of the transient devices', async () => {
  await run(['stop', '-u', U2]);
  await run(['stop', '-u', generated]);
  assert.deepEqual(activeDevices(), []);
  assert.deepEqual(pools(), FRESH_POOLS);
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('define -u of a running device');
await check('define -u U2 of a running mbochs-small: writes its definition from sysfs', async () => {
  await run(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2]);
  await run(['define', '-u', U2]);
  assert.equal(definitionFile('mbochs', U2), configFile('mbochs-small', 'manual'));
});
await check('list: (defined); list -d: (active)', async () => {
  await run(['list'], `${U2} mbochs mbochs-small manual (defined)\n`);
  await run(['list', '-d'], `${U2} mbochs mbochs-small manual (active)\n`);
});
await check('define -u U2 again: refused, one line', async () => {
  await unchanged(async () => refused(await ours(['define', '-u', U2]), /already defined/));
});
await check('define -u of a uuid that is not running, without -p: refused', async () => {
  await unchanged(async () => refused(await ours(['define', '-u', U9]), /No parent specified/));
});
await check('stop and start again from the definition', async () => {
  await run(['stop', '-u', U2]);
  await run(['start', '-u', U2]);
  assert.deepEqual(activeDevices(), [`${U2} mbochs mbochs-small`]);
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('modify');
await check('modify --auto, -t, --addattr: the file follows', async () => {
  await run(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]);
  await run(['modify', '-u', U5, '--auto']);
  assert.equal(definitionFile('mtty', U5), configFile('mtty-1', 'auto'));
  await run(['modify', '-u', U5, '-t', 'mtty-2']);
  assert.equal(definitionFile('mtty', U5), configFile('mtty-2', 'auto'));
  await run(['modify', '-u', U5, '--addattr=foo', '--value=bar']);
  assert.equal(definitionFile('mtty', U5), configFile('mtty-2', 'auto', [{ foo: 'bar' }]));
  await run(['list', '-d', '-v'], `${U5} mtty mtty-2 auto\n  Attrs:\n    @{0}: {"foo":"bar"}\n`);
});
await check('start with an attribute mtty lacks: one-line error, and the device does not stay', async () => {
  refused(await ours(['start', '-u', U5]), /foo/);
  assert.deepEqual(activeDevices(), []);
  assert.deepEqual(pools(), FRESH_POOLS);
});
await check('modify --delattr --index out of range: a clean one-line error (1.2.0 panics)', async () => {
  await unchanged(async () => refused(await ours(['modify', '-u', U5, '--delattr', '--index=1']), /index/i));
});
await check('modify --delattr --index=0, then start works', async () => {
  await run(['modify', '-u', U5, '--delattr', '--index=0']);
  assert.equal(definitionFile('mtty', U5), configFile('mtty-2', 'auto'));
  await run(['start', '-u', U5]);
  assert.deepEqual(activeDevices(), [`${U5} mtty mtty-2`]);
});
await check('modify --manual of a running device: stored, the device keeps running', async () => {
  await run(['modify', '-u', U5, '--manual']);
  assert.equal(definitionFile('mtty', U5), configFile('mtty-2', 'manual'));
  assert.deepEqual(activeDevices(), [`${U5} mtty mtty-2`]);
  await run(['list'], `${U5} mtty mtty-2 manual (defined)\n`);
});
await check('modify of an unknown uuid: refused', async () => {
  await unchanged(async () => refused(await ours(['modify', '-u', U9, '--auto']), /No devices match|not defined|No device/i));
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('start-parent-mdevs');
await check('start-parent-mdevs mtty starts its auto definitions only', async () => {
  await run(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3, '--auto']);
  await run(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U4, '--auto']);
  await run(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]);
  await run(['define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1, '--auto']);
  await run(['start-parent-mdevs', 'mtty']);
  assert.deepEqual(activeDevices(), [`${U3} mtty mtty-1`, `${U4} mtty mtty-2`]);
  await run(['list'], `${U3} mtty mtty-1 auto (defined)\n${U4} mtty mtty-2 auto (defined)\n`);
});
await check('again: exit 0, a warning per device already running, nothing new', async () => {
  const before = state();
  const r = await ours(['start-parent-mdevs', 'mtty']);
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 2, show(r));
  assert.deepEqual(state(), before);
});
await check('start-parent-mdevs nosuchparent: nothing, exit 0', async () => {
  await unchanged(async () => void (await run(['start-parent-mdevs', 'nosuchparent'])));
});
await check('start-parent-mdevs mdpy starts the mdpy one', async () => {
  await run(['start-parent-mdevs', 'mdpy']);
  assert.deepEqual(activeDevices(), [`${U1} mdpy mdpy-vga`, `${U3} mtty mtty-1`, `${U4} mtty mtty-2`]);
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('refusals: our checks before the write');
await run(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
await run(['start', '-u', U1]);
await check('start of a running device: Device already exists', async () => {
  await unchanged(async () => refused(await ours(['start', '-u', U1]), /^Error: Device [0-9a-f-]{36} already exists: it is running\n$/));
  await unchanged(async () => refused(await ours(['start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]), /already exists/));
});
await check('start -u of a running transient device (no definition): refused, one line', async () => {
  await run(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U3]);
  await unchanged(async () => refused(await ours(['start', '-u', U3]), /./));
  await run(['stop', '-u', U3]);
});
await check('duplicate uuid under another parent (mdpy), and with another type', async () => {
  await unchanged(async () => refused(await ours(['start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1]), /exists/));
  await unchanged(async () => refused(await ours(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]), /exists/));
});
await check('duplicate uuid in upper case', async () => {
  await unchanged(async () => refused(await ours(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U1.toUpperCase()]), /exists/));
});
await check('unknown type: Parent mtty does not support mdev type mtty-9', async () => {
  await unchanged(async () => refused(await ours(['start', '-p', 'mtty', '-t', 'mtty-9', '-u', U9]), /Parent mtty does not support mdev type mtty-9/));
});
await check("unknown parent: Unable to find parent device 'nosuchparent' (and a hint for MTTY)", async () => {
  await unchanged(async () => refused(await ours(['start', '-p', 'nosuchparent', '-t', 'mtty-1', '-u', U9]), /Unable to find parent device 'nosuchparent'/));
  await unchanged(async () => refused(await ours(['start', '-p', 'MTTY', '-t', 'mtty-1', '-u', U9]), /mtty/));
});
await check('define of an existing definition: already defined', async () => {
  await unchanged(async () => refused(await ours(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]), /already defined/));
});
await check('undefine / stop of an unknown uuid', async () => {
  await unchanged(async () => refused(await ours(['undefine', '-u', U9]), /No devices match the specified uuid/));
  await unchanged(async () => refused(await ours(['stop', '-u', U9]), new RegExp(`${U9}|not active`)));
});
await check('invalid uuid: a usage error, exit 2', async () => {
  await unchanged(async () => refused(await ours(['start', '-u', 'not-a-uuid']), /uuid/i, 2));
});
await check('a device already gone (removed behind our back): stop is refused, one line', async () => {
  await run(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U2]);
  assert.equal(removeRaw(U2), 'ok');
  await unchanged(async () => refused(await ours(['stop', '-u', U2]), new RegExp(U2)));
});
resetHost();
const exhausted: Array<[string, string, string]> = [
  ['mtty', 'mtty-2', 'ENOSPC'],
  ['mbochs', 'mbochs-large', 'ENOSPC'],
  ['mdpy', 'mdpy-xga', 'UNKNOWN'],
];
for (const [p, t, code] of exhausted) {
  await check(`exhausted pool ${p} (kernel: ${code === 'UNKNOWN' ? 'EUSERS, node says UNKNOWN' : code}): No available instances`, async () => {
    assert.equal(fillPool(p, t), code);
    assert.equal(pools()[`${p}/${t}`], 0);
    await unchanged(async () => refused(await ours(['start', '-p', p, '-t', t, '-u', U9]), new RegExp(`No available instances of ${t} on ${p}`)));
  });
}
resetHost();

// -------------------------------------------------------------------------------------------------
section("refusals by the kernel itself (state changed after validation, in a pre tap)");
await check('duplicate uuid under another parent: File exists (os error 17)', async () => {
  const { r, race: what } = await race('dup:mbochs/mbochs-small', ['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U2]);
  assert.equal(what, 'ok');
  refused(r, /File exists \(os error 17\)/);
  assert.deepEqual(activeDevices(), [`${U2} mbochs mbochs-small`]);
});
resetHost();
await check('duplicate uuid in upper case under mdpy: File exists (os error 17)', async () => {
  const { r, race: what } = await race('dup-upper:mdpy/mdpy-vga', ['start', '-p', 'mtty', '-t', 'mtty-2', '-u', U2]);
  assert.equal(what, 'ok');
  refused(r, /File exists \(os error 17\)/);
  assert.deepEqual(activeDevices(), [`${U2} mdpy mdpy-vga`]);
});
resetHost();
for (const [p, t, code, text] of [
  ['mtty', 'mtty-1', 'ENOSPC', /No space left on device \(os error 28\)/],
  ['mbochs', 'mbochs-medium', 'ENOSPC', /No space left on device \(os error 28\)/],
  ['mdpy', 'mdpy-hd', 'UNKNOWN', /Too many users \(os error 87\)/],
] as const) {
  await check(`exhausted pool ${p}: ${text.source.replaceAll('\\', '')}`, async () => {
    await run(['define', '-p', p, '-t', t, '-u', U3]);
    const { r, race: what } = await race('exhaust', ['start', '-u', U3]);
    assert.equal(what, code);
    refused(r, text);
    assert.ok(!activeDevices().some((l) => l.startsWith(U3)));
  });
  resetHost();
}
await check('parent unregistered (rmmod mtty) before the write: No such file or directory (os error 2)', async () => {
  const { r, race: what } = await race('unregister', ['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U4]);
  assert.equal(what, 'ok');
  refused(r, /No such file or directory \(os error 2\)/);
});
resetHost();
await check('device gone before stop writes remove: No such file or directory (os error 2)', async () => {
  await run(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]);
  const { r, race: what } = await race('gone', ['stop', '-u', U5]);
  assert.equal(what, 'ok');
  refused(r, /No such file or directory \(os error 2\)/);
  assert.deepEqual(activeDevices(), []);
});
resetHost();

// -------------------------------------------------------------------------------------------------
section('boot-time start: the udev rule on MDEV_STATE=registered');
// There is no udevd in the guest: busybox `uevent` runs a hook for every kernel uevent, and the
// hook does what udev does with the rule file's first rule — ACTION=="change",
// ENV{MDEV_STATE}=="registered", TEST=="/etc/mdevctl.d/$kernel" — running its RUN+="…" value with
// %k replaced (through /bin/sh, which splits it as udev would). The rule's logger calls go to a
// busybox syslogd writing /run/messages.
const HOOK = '/run/udev-hook.sh';
writeFileSync(
  HOOK,
  `#!/bin/sh
[ "$ACTION" = change ] && [ "$MDEV_STATE" = registered ] || exit 0
kernel=\${DEVPATH##*/}
[ -e "/etc/mdevctl.d/$kernel" ] || exit 0
cmd=$(cat /run/hook-run)
/bin/sh -c "\${cmd//%k/$kernel}"
echo "RUN for $kernel -> $?" >>/run/hook.log
`,
);
chmodSync(HOOK, 0o755);

/** The RUN+= value of the rule on the parent's MDEV_STATE=registered change uevent. */
function registeredRule(file: string): string {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => /^ACTION=="change", ENV\{MDEV_STATE\}=="registered"/.test(l));
  assert.ok(line, `${file} has no ACTION=="change", ENV{MDEV_STATE}=="registered" rule`);
  assert.match(line, /TEST=="\/etc\/mdevctl\.d\/\$kernel"/);
  const run = /RUN\+="(.*)"$/.exec(line);
  assert.ok(run?.[1], `${file}: no RUN+="…" in ${line}`);
  return run[1];
}

const syslog = spawn('/bin/busybox', ['syslogd', '-n', '-O', '/run/messages'], { stdio: 'ignore' });
const listener: ChildProcess = spawn('/bin/busybox', ['uevent', HOOK], { stdio: 'ignore' });
await sleep(500);

interface BootRun {
  hookLog: string;
  syslog: string;
  active: string[];
}
async function bootCycle(runValue: string): Promise<BootRun> {
  writeFileSync('/run/hook-run', runValue);
  rmSync('/run/hook.log', { force: true });
  writeFileSync('/run/messages', '');
  sh('rmmod mtty');
  assert.ok(!existsSync('/sys/class/mdev_bus/mtty'), 'mtty still registered after rmmod');
  assert.deepEqual(activeDevices().filter((l) => l.includes(' mtty ')), [], 'rmmod left mtty devices');
  sh('modprobe mtty');
  for (let i = 0; i < 600 && !existsSync('/run/hook.log'); i++) await sleep(100);
  await sleep(500);
  return {
    hookLog: existsSync('/run/hook.log') ? readFileSync('/run/hook.log', 'utf8') : '(the rule did not run in 60 s)',
    syslog: readFileSync('/run/messages', 'utf8')
      .split('\n')
      .filter((l) => l.includes('mdevctl'))
      .join('\n'),
    active: activeDevices(),
  };
}

// Our rule: the one `mdevctl install-system-files` writes, else (a CLI without that command)
// Debian's rule with our program in it.
let ourRun = '';
await check('our udev rule: install-system-files writes it; its registered rule runs our mdevctl', async () => {
  const r = await ours(['install-system-files']);
  const file = '/usr/lib/udev/rules.d/60-mdevctl.rules';
  if (r.status === 0 && existsSync(file)) {
    ourRun = registeredRule(file);
  } else {
    send({ kind: 'note', text: `no install-system-files (exit ${r.status}: ${r.stderr.trim()}): Debian's rule with /usr/local/sbin/mdevctl` });
    ourRun = registeredRule('/lib/udev/rules.d/60-mdevctl.rules').replace('/usr/sbin/mdevctl', '/usr/local/sbin/mdevctl');
  }
  assert.match(ourRun, /start-parent-mdevs %k/);
});
// Debian's rule runs /usr/sbin/mdevctl, but its package installs /usr/bin/mdevctl.
const debianRun = registeredRule('/lib/udev/rules.d/60-mdevctl.rules');
if (debianRun.includes('/usr/sbin/mdevctl') && !existsSync('/usr/sbin/mdevctl')) {
  send({
    kind: 'note',
    text: "Debian's mdevctl 1.2.0-3+b1: 60-mdevctl.rules runs /usr/sbin/mdevctl, but the package installs /usr/bin/mdevctl (boot-time start cannot work as shipped); linked /usr/sbin/mdevctl for the comparison",
  });
  sh('ln -s /usr/bin/mdevctl /usr/sbin/mdevctl');
}
const bootResults: Record<string, BootRun> = {};
for (const [who, rule] of [
  ['ours', () => ourRun],
  ['1.2.0', () => debianRun],
] as const) {
  resetHost();
  await check(`[${who}] rmmod + modprobe mtty: the rule runs once, on MDEV_STATE=registered, and logs nothing`, async () => {
    await run(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3, '--auto']);
    await run(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U4, '--auto']);
    await run(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]);
    await run(['start', '-u', U4]);
    const res = await bootCycle(rule());
    bootResults[who] = res;
    assert.equal(res.hookLog, 'RUN for mtty -> 0\n');
    assert.equal(res.syslog, '', 'start-parent-mdevs logged');
  });
  await check(`[${who}] the auto definitions are running again, the manual one is not`, async () => {
    assert.deepEqual(bootResults[who]?.active, [`${U3} mtty mtty-1`, `${U4} mtty mtty-2`]);
    await run(['list'], `${U3} mtty mtty-1 auto (defined)\n${U4} mtty mtty-2 auto (defined)\n`);
  });
}
await bootTiming({ ours: ourRun, theirs: debianRun });
listener.kill();
syslog.kill();
resetHost();

// -------------------------------------------------------------------------------------------------
section('monitor: events from the kernel\'s uevents (docs/MONITOR.md)');
resetHost();
await monitorStage();
resetHost();

// -------------------------------------------------------------------------------------------------
section('desired state: apply, diff, assert (docs/DESIRED-STATE.md)');
resetHost();
await desiredState();
resetHost();

// -------------------------------------------------------------------------------------------------
section('differential: the same sequences with Debian mdevctl 1.2.0');
await differential();
resetHost();

endSection();
send({ kind: 'timing', name: 'all guest checks', seconds: (Date.now() - started) / 1000 });
process.exitCode = finish();
