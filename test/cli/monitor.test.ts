// Black-box: `mdevctl monitor` on the simulated host. Every event kind from changes made by
// mdevctl and by direct writes (definition files by hand, `echo … > create` applied by the
// simulated kernel, parents unplugged and plugged); --json, --initial, --count, --timeout, the
// filters, a closed pipe, the signals; a burst of 100 changes giving exactly its 100 events; and
// the uevent source fed by a fake `udevadm` (on a PATH set for the monitor only). No test sleeps:
// each reads the monitor's output until the line it expects, with a bound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { SimulatedKernel } from '@mdevctl/plugin-sim';
import { mdevctl, runBin, tempDir, MDEVCTL_BIN, SIM_BIN } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { MonitorChild, withoutTime } from '../helpers/monitor.js';
import { docs } from '../helpers/packaging.js';
import { addToyParent, installToyBackend } from '../helpers/toy-backend.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const PARENTS = ['mdpy', 'mtty'];

function host(): SimHost {
  return simHost({ parents: PARENTS });
}

function ok(root: string, ...args: string[]): void {
  const r = mdevctl(root, ...args);
  assert.deepEqual({ status: r.status, stderr: r.stderr }, { status: 0, stderr: '' }, r.stdout);
}

function sim(...args: string[]): void {
  const r = runBin('', args, { bin: SIM_BIN });
  assert.equal(r.status, 0, r.stderr);
}

/** A definition file written by hand, as an editor or another tool would (atomically: temp + rename). */
function writeDefinition(h: SimHost, parent: string, uuid: string, type: string, start = 'manual', attrs: unknown[] = []): void {
  const dir = h.path(`etc/mdevctl.d/${parent}`);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${uuid}.tmp`);
  writeFileSync(tmp, JSON.stringify({ mdev_type: type, start, attrs }, null, 2));
  renameSync(tmp, join(dir, uuid));
}

/** `echo uuid > …/create` by a foreign program, then the simulated kernel applies it. */
function echoCreate(h: SimHost, parent: string, type: string, uuid: string): void {
  writeFileSync(h.path(`sys/class/mdev_bus/${parent}/mdev_supported_types/${type}/create`), `${uuid}\n`);
  for (const r of SimulatedKernel.open(h.root).sync()) assert.equal(r.error, undefined, String(r.error));
}

function echoRemove(h: SimHost, uuid: string): void {
  writeFileSync(h.path(`sys/bus/mdev/devices/${uuid}/remove`), '1\n');
  for (const r of SimulatedKernel.open(h.root).sync()) assert.equal(r.error, undefined, String(r.error));
}

async function withMonitor(args: string[], fn: (m: MonitorChild, h: SimHost) => Promise<void>, h = host()): Promise<void> {
  const m = new MonitorChild(h.root, args);
  try {
    await m.ready();
    await fn(m, h);
  } finally {
    await m.stop();
    h.cleanup();
  }
}

test('monitor: every event kind from changes made by mdevctl, one text line each, in order', async () => {
  await withMonitor([], async (m, h) => {
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    assert.deepEqual(await m.events(1), [`defined ${U1} mtty mtty-1`]);
    ok(h.root, 'start', '-u', U1);
    assert.deepEqual((await m.events(2))[1], `started ${U1} mtty mtty-1`);
    ok(h.root, 'modify', '-u', U1, '--auto');
    assert.deepEqual((await m.events(3))[2], `modified ${U1} mtty mtty-1 changed=start`);
    ok(h.root, 'modify', '-u', U1, '-t', 'mtty-2', '--addattr', 'x', '--value', 'y');
    assert.deepEqual((await m.events(4))[3], `modified ${U1} mtty mtty-2 changed=type,attrs`);
    ok(h.root, 'stop', '-u', U1);
    assert.deepEqual((await m.events(5))[4], `stopped ${U1} mtty mtty-1`);
    ok(h.root, 'undefine', '-u', U1);
    assert.deepEqual((await m.events(6))[5], `undefined ${U1} mtty mtty-2`);
    // A transient device: started and stopped, never defined.
    const r = mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((await m.events(7))[6], `started ${U2} mdpy mdpy-vga`);
    ok(h.root, 'stop', '-u', U2);
    assert.deepEqual((await m.events(8))[7], `stopped ${U2} mdpy mdpy-vga`);
    assert.equal(m.lines.length, 8, m.lines.join('\n'));
    assert.doesNotMatch(m.stderr, /WARN|ERROR/);
  });
});

test('monitor: every event kind from direct writes (definition files, echo > create/remove, a parent unplugged and plugged)', async () => {
  await withMonitor([], async (m, h) => {
    writeDefinition(h, 'mtty', U1, 'mtty-1');
    assert.deepEqual(await m.events(1), [`defined ${U1} mtty mtty-1`]);
    writeDefinition(h, 'mtty', U1, 'mtty-2', 'auto');
    assert.deepEqual((await m.events(2))[1], `modified ${U1} mtty mtty-2 changed=type,start`);
    writeDefinition(h, 'mtty', U1, 'mtty-2', 'auto', [{ a: 'b' }]);
    assert.deepEqual((await m.events(3))[2], `modified ${U1} mtty mtty-2 changed=attrs`);
    // A new parent dir, made and filled at once: watched as it appears, its file not missed.
    writeDefinition(h, 'mdpy', U3, 'mdpy-hd');
    assert.deepEqual((await m.events(4))[3], `defined ${U3} mdpy mdpy-hd`);
    echoCreate(h, 'mtty', 'mtty-2', U1);
    assert.deepEqual((await m.events(5))[4], `started ${U1} mtty mtty-2`);
    echoRemove(h, U1);
    assert.deepEqual((await m.events(6))[5], `stopped ${U1} mtty mtty-2`);
    rmSync(h.path(`etc/mdevctl.d/mtty/${U1}`));
    assert.deepEqual((await m.events(7))[6], `undefined ${U1} mtty mtty-2`);
    // rmmod: its devices go first, then the parent; modprobe: the parent is back.
    echoCreate(h, 'mdpy', 'mdpy-vga', U2);
    assert.deepEqual((await m.events(8))[7], `started ${U2} mdpy mdpy-vga`);
    sim('unplug', h.root, 'mdpy');
    assert.deepEqual((await m.events(10)).slice(8), [`stopped ${U2} mdpy mdpy-vga`, 'parent-removed - mdpy -']);
    sim('plug', h.root, 'mdpy');
    assert.deepEqual((await m.events(11))[10], 'parent-added - mdpy -');
    assert.equal(m.lines.length, 11, m.lines.join('\n'));
  });
});

test('monitor: a definition file half-written or unreadable is neither undefined nor defined again', async () => {
  await withMonitor([], async (m, h) => {
    writeDefinition(h, 'mtty', U1, 'mtty-1');
    assert.deepEqual(await m.events(1), [`defined ${U1} mtty mtty-1`]);
    writeFileSync(h.path(`etc/mdevctl.d/mtty/${U1}`), '{"mdev_type": "mtty-');
    // The next real change is reported alone: the broken file made no event.
    writeDefinition(h, 'mtty', U2, 'mtty-2');
    assert.deepEqual((await m.events(2))[1], `defined ${U2} mtty mtty-2`);
    assert.match(m.stderr, new RegExp(`monitor: definitions: inotify etc/mdevctl.d/mtty`));
    writeDefinition(h, 'mtty', U1, 'mtty-1', 'auto');
    assert.deepEqual((await m.events(3))[2], `modified ${U1} mtty mtty-1 changed=start`);
    assert.equal(m.lines.length, 3, m.lines.join('\n'));
  });
});

test('monitor --json: one object per line, the documented keys in order; data is escaped as in every output', async () => {
  const h = host();
  // A parent dir whose name holds an escape sequence and a newline: it cannot forge a line.
  const evil = 'bad\u001b[2Jparent\nx';
  await withMonitor(['--json'], async (m) => {
    writeDefinition(h, evil, U1, 'mtty-1');
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2);
    ok(h.root, 'start', '-u', U2);
    ok(h.root, 'modify', '-u', U2, '--auto');
    sim('unplug', h.root, 'mdpy');
    await m.until('5 lines', () => m.lines.length >= 5);
    const events = m.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const [i, e] of events.entries()) {
      assert.match(String(e['time']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.deepEqual(Object.keys(e), e['event'] === 'modified' ? ['time', 'event', 'uuid', 'parent', 'type', 'changed'] : ['time', 'event', 'uuid', 'parent', 'type'], m.lines[i]);
      delete e['time'];
    }
    assert.deepEqual(events, [
      { event: 'defined', uuid: U1, parent: evil, type: 'mtty-1' },
      { event: 'defined', uuid: U2, parent: 'mtty', type: 'mtty-1' },
      { event: 'started', uuid: U2, parent: 'mtty', type: 'mtty-1' },
      { event: 'modified', uuid: U2, parent: 'mtty', type: 'mtty-1', changed: ['start'] },
      { event: 'parent-removed', uuid: null, parent: 'mdpy', type: null },
    ]);
    assert.ok(m.lines[0]?.includes('bad\\u001b[2Jparent\\nx'), m.lines[0]);
  }, h);
});

test('monitor (text): a control character from data is an escape, never raw', async () => {
  const h = host();
  await withMonitor([], async (m) => {
    writeDefinition(h, 'bad\u001b[2Jparent\nx', U1, 'mtty-1');
    assert.deepEqual(await m.events(1), [`defined ${U1} bad\\u{1b}[2Jparent\\nx mtty-1`]);
  }, h);
});

test('monitor --initial: the current state first (parents, definitions, running devices), then the changes', async () => {
  const h = host();
  ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2);
  ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1, '--auto');
  ok(h.root, 'start', '-u', U1);
  ok(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U3);
  await withMonitor(['--initial'], async (m) => {
    assert.deepEqual(await m.events(6), [
      'parent-added - mdpy -',
      'parent-added - mtty -',
      `defined ${U1} mtty mtty-2`,
      `defined ${U2} mtty mtty-1`,
      `started ${U3} mdpy mdpy-vga`,
      `started ${U1} mtty mtty-2`,
    ]);
    ok(h.root, 'stop', '-u', U3);
    assert.deepEqual((await m.events(7))[6], `stopped ${U3} mdpy mdpy-vga`);
  }, h);
});

test('monitor --count N: exits 0 after exactly N events (the initial ones count)', async () => {
  const h = host();
  try {
    const m = new MonitorChild(h.root, ['--initial', '--count', '3']);
    await m.ready();
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2);
    const { status } = await m.exited;
    assert.equal(status, 0, m.stderr);
    assert.deepEqual(m.lines.map(withoutTime), ['parent-added - mdpy -', 'parent-added - mtty -', `defined ${U1} mtty mtty-1`]);
  } finally {
    h.cleanup();
  }
});

test('monitor --timeout: exits 0 when the time is up, having printed what happened', async () => {
  const h = host();
  try {
    const m = new MonitorChild(h.root, ['--timeout', '1.5']);
    await m.ready();
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    const { status } = await m.exited;
    assert.equal(status, 0, m.stderr);
    assert.deepEqual(m.lines.map(withoutTime), [`defined ${U1} mtty mtty-1`]);
  } finally {
    h.cleanup();
  }
});

test('monitor -p / -u: only the events of that parent (its own included) or of that uuid', async () => {
  const h = host();
  const byParent = new MonitorChild(h.root, ['-p', 'mdpy']);
  const byUuid = new MonitorChild(h.root, ['-u', U2.toUpperCase()]);
  try {
    await byParent.ready();
    await byUuid.ready();
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    ok(h.root, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    sim('unplug', h.root, 'mtty');
    sim('unplug', h.root, 'mdpy');
    await byParent.until('parent-removed', () => byParent.lines.some((l) => l.includes('parent-removed')));
    assert.deepEqual(byParent.lines.map(withoutTime), [`defined ${U2} mdpy mdpy-vga`, 'parent-removed - mdpy -']);
    ok(h.root, 'undefine', '-u', U2);
    await byUuid.until('undefined', () => byUuid.lines.length >= 2);
    assert.deepEqual(byUuid.lines.map(withoutTime), [`defined ${U2} mdpy mdpy-vga`, `undefined ${U2} mdpy mdpy-vga`]);
  } finally {
    await byParent.stop();
    await byUuid.stop();
    h.cleanup();
  }
});

test('monitor: bad options are usage errors (exit 2), nothing watched', () => {
  const h = host();
  try {
    for (const args of [['--count', '0'], ['--count', 'x'], ['--timeout', '0'], ['--timeout', '-1'], ['-u', 'nope'], ['-p', '../x']]) {
      const r = mdevctl(h.root, 'monitor', ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: [^\n]+\n$/, args.join(' '));
      assert.equal(r.stdout, '');
    }
  } finally {
    h.cleanup();
  }
});

test('monitor: a closed stdout ends it at the next event, exit 141, nothing on stderr', async () => {
  const h = host();
  try {
    const m = new MonitorChild(h.root, [], { env: { MDEVCTL_LOG: 'warn' } });
    ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    // Without the debug line to wait for, the first event says it is watching (or it was
    // defined before the first scan: then the next one is the first event).
    ok(h.root, 'start', '-u', U1);
    await m.until('an event', () => m.lines.length >= 1);
    m.child.stdout.destroy();
    ok(h.root, 'stop', '-u', U1);
    ok(h.root, 'undefine', '-u', U1);
    const { status } = await m.exited;
    assert.equal(status, 141);
    assert.equal(m.stderr, '');
  } finally {
    h.cleanup();
  }
});

for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`monitor: ${signal} ends it cleanly, exit ${status}, its udevadm child ended too`, async () => {
    const h = host();
    const bin = tempDir('mdevctl-fake-udevadm-');
    try {
      const pidFile = join(bin.dir, 'pid');
      writeFileSync(join(bin.dir, 'udevadm'), `#!/bin/sh\necho $$ > "${pidFile}"\nprintf 'monitor will print the received events for:\\nKERNEL - the kernel uevent\\n\\n'\nexec sleep 1000\n`);
      chmodSync(join(bin.dir, 'udevadm'), 0o755);
      const m = new MonitorChild(h.root, [], { path: `${bin.dir}:/usr/bin:/bin` });
      await m.ready();
      await m.until('udevadm listening', () => m.stderr.includes('udevadm listening'));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      m.child.kill(signal);
      const r = await m.exited;
      assert.deepEqual(r, { status, signal: null }, m.stderr);
      assert.doesNotMatch(m.stderr, /Error|WARN/);
      // The fake udevadm (exec'd into sleep) got SIGTERM: gone, or a zombie about to be reaped.
      const alive = spawnSync('sh', ['-c', `kill -0 ${pid} 2>/dev/null && ! grep -q '^State:.*Z' /proc/${pid}/status`]).status === 0;
      assert.equal(alive, false, 'udevadm child still running');
    } finally {
      bin.cleanup();
      h.cleanup();
    }
  });
}

test('monitor: a burst of 100 changes gives exactly its 100 events, each once, in few rescans', async () => {
  await withMonitor([], async (m, h) => {
    const uuids = Array.from({ length: 100 }, (_, i) => `5b6ee1c2-3a8e-4f7c-9c67-${(0x1000000000000 + i).toString(16).slice(1)}`);
    /** Waits for n lines, then for a sentinel change's event: nothing else came in between. */
    const exactly = async (n: number, sentinel: () => void, line: string) => {
      await m.until(`${n} events`, () => m.lines.length >= n);
      sentinel();
      await m.until(line, () => m.lines.length > n && m.lines.some((l) => l.endsWith(line)));
      assert.equal(m.lines.length, n + 1, m.lines.join('\n'));
      assert.equal(withoutTime(m.lines[n] ?? ''), line);
    };
    const rescans = () => m.stderr.split('\n').filter((l) => l.includes('monitor: rescanned')).length;
    for (const u of uuids) writeDefinition(h, 'mtty', u, 'mtty-1');
    await exactly(100, () => writeDefinition(h, 'mdpy', U1, 'mdpy-hd'), `defined ${U1} mdpy mdpy-hd`);
    assert.deepEqual(new Set(m.lines.slice(0, 100).map(withoutTime)), new Set(uuids.map((u) => `defined ${u} mtty mtty-1`)));
    // Gathered: the 100 writes took a few rescans, not one each.
    assert.ok(rescans() < 30, `${rescans()} rescans`);
    // 20 devices created by a foreign program and the 100 definitions removed, at once.
    const before = rescans();
    const kernel = SimulatedKernel.open(h.root);
    for (const u of uuids.slice(0, 20)) kernel.write(h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create'), u);
    for (const u of uuids) rmSync(h.path(`etc/mdevctl.d/mtty/${u}`));
    await exactly(221, () => writeDefinition(h, 'mdpy', U2, 'mdpy-hd'), `defined ${U2} mdpy mdpy-hd`);
    const burst = m.lines.slice(101, 221).map(withoutTime);
    assert.deepEqual(new Set(burst.filter((l) => l.startsWith('started '))), new Set(uuids.slice(0, 20).map((u) => `started ${u} mtty mtty-1`)));
    assert.deepEqual(new Set(burst.filter((l) => l.startsWith('undefined '))), new Set(uuids.map((u) => `undefined ${u} mtty mtty-1`)));
    assert.ok(rescans() - before < 30, `${rescans() - before} rescans`);
  });
});

test('monitor: the uevent source — a fake udevadm (on the monitor\'s PATH only) is run, its mdev and MDEV_STATE uevents rescan, others do not; restarted when it dies', async () => {
  const h = host();
  const bin = tempDir('mdevctl-fake-udevadm-');
  try {
    const fifo = join(bin.dir, 'uevents');
    const argsFile = join(bin.dir, 'args');
    mkfifo(fifo);
    writeFileSync(
      join(bin.dir, 'udevadm'),
      `#!/bin/sh\necho "$*" >> "${argsFile}"\nprintf 'monitor will print the received events for:\\nKERNEL - the kernel uevent\\n\\n'\nexec cat "${fifo}"\n`,
    );
    chmodSync(join(bin.dir, 'udevadm'), 0o755);
    const m = new MonitorChild(h.root, [], { path: `${bin.dir}:/usr/bin:/bin` });
    try {
      await m.ready();
      await m.until('udevadm listening', () => m.stderr.includes('udevadm listening'));
      assert.equal(readFileSync(argsFile, 'utf8'), 'monitor --kernel --property\n');
      // O_RDWR: opening a FIFO so never blocks; cat reads what is written.
      const fd = openSync(fifo, 'r+');
      const block = (lines: string[]) => writeSync(fd, `KERNEL[1.0] ${lines[0] ?? ''}\n${lines.join('\n')}\n\n`);
      block(['ACTION=add', 'DEVPATH=/devices/virtual/net/lo', 'SUBSYSTEM=net']);
      block(['ACTION=change', 'DEVPATH=/devices/virtual/mtty/mtty', 'SUBSYSTEM=mtty', 'MDEV_STATE=registered']);
      block(['ACTION=add', `DEVPATH=/devices/virtual/mtty/mtty/${U1}`, 'SUBSYSTEM=mdev']);
      await m.until('the mdev uevent', () => m.stderr.includes(`uevent add mdev /devices/virtual/mtty/mtty/${U1}`));
      assert.match(m.stderr, /monitor: mdev-bus: uevent change mtty \/devices\/virtual\/mtty\/mtty\n/);
      assert.doesNotMatch(m.stderr, /\/devices\/virtual\/net\/lo/);
      // It dies (its input ends): the monitor says so and runs it again.
      closeSync(fd);
      await m.until('udevadm run again', () => m.stderr.includes('(start 2)'));
      // (No fallback rescan here: the simulated host's dirs tell their changes by inotify.)
      assert.match(m.stderr, /monitor: uevents: udevadm ended \(status 0\); trying again in 1000 ms/);
      await m.until('listening again', () => m.stderr.split('udevadm listening').length >= 3);
      assert.equal(readFileSync(argsFile, 'utf8'), 'monitor --kernel --property\n'.repeat(2));
      // Events still come, each once.
      ok(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2);
      assert.deepEqual(await m.events(1), [`defined ${U2} mtty mtty-1`]);
    } finally {
      await m.stop();
    }
  } finally {
    bin.cleanup();
    h.cleanup();
  }
});

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
}

test('monitor in --help, the man page and the completion (all generated from the command class)', async () => {
  const help = runBin('/nonexistent', ['monitor', '--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const o of ['--json', '--initial', '--count', '--timeout', '--parent', '--uuid']) assert.ok(help.stdout.includes(o), o);
  const gen = await docs();
  const files = await gen.generatedFiles();
  const man = files.find((f) => f.path === 'man/mdevctl.8')?.content ?? '';
  assert.match(man, /\n\.SS monitor\n/);
  assert.ok(man.includes('[\\fB\\-\\-count\\fR \\fIN\\fR] [\\fB\\-\\-timeout\\fR \\fISECONDS\\fR]'), 'synopsis placeholders');
  const completion = files.find((f) => f.path === 'completion/mdevctl.bash')?.content ?? '';
  assert.match(completion, /\n {4}monitor\)\n {6}options='--json --initial --count --timeout -p --parent -u --uuid --help'/);
  assert.match(completion, /-p\|--parent\) kind=parent-any ;;/);
});

test('monitor watches a plugin\'s backend by its own watch (the toy backend: a 2 s timer, no uevents), beside the mdev bus', async () => {
  const h = host();
  installToyBackend(h.root);
  addToyParent(h.root, 'toy0', [['toy-small', 'Toy small']]);
  await withMonitor(['--initial'], async (m) => {
    assert.match(m.stderr, /monitor: watching definitions and toy \(timer 2000 ms\), mdev-bus \(uevents of mdev\)\n/);
    assert.deepEqual(await m.events(3), ['parent-added - mdpy -', 'parent-added - mtty -', 'parent-added - toy0 -']);
    // Through mdevctl, and by hand: both are seen by the toy's timer rescan only.
    const r = mdevctl(h.root, 'start', '-p', 'toy0', '-t', 'toy-small', '-u', U1);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((await m.events(4))[3], `started ${U1} toy0 toy-small`);
    writeFileSync(h.path('sys/bus/toy/devices/toy0/slot'), 'none\n');
    assert.deepEqual((await m.events(5))[4], `stopped ${U1} toy0 toy-small`);
    addToyParent(h.root, 'toy1', [['toy-small', 'Toy small']]);
    assert.deepEqual((await m.events(6))[5], 'parent-added - toy1 -');
    assert.match(m.stderr, /monitor: toy: timer\n/);
    assert.equal(m.lines.length, 6, m.lines.join('\n'));
  }, h);
});

// It ends before its udevadm spawn has even failed: it must not kill() that child (no pid: pid 0
// would signal its whole process group, this test runner included).
test('monitor: a stdout that fails (a full disk) ends it with one error line, exit 1', async () => {
  const h = host();
  const full = openSync('/dev/full', 'w');
  try {
    const child = spawn(process.execPath, [MDEVCTL_BIN, 'monitor', '--initial'], {
      env: { PATH: '/nonexistent', MDEVCTL_ENV_ROOT: h.root },
      stdio: ['ignore', full, 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 1, stderr);
    assert.match(stderr, /^Error: [^\n]+\n$/);
  } finally {
    closeSync(full);
    h.cleanup();
  }
});

test('monitor: a plugin\'s backend whose parents appear after the start is detected then, and watched from then on', async () => {
  const h = host();
  installToyBackend(h.root); // no toy parent yet: the provider detects nothing, the backend is not opened
  await withMonitor([], async (m) => {
    assert.match(m.stderr, /monitor: watching definitions and mdev-bus \(uevents of mdev\)\n/);
    addToyParent(h.root, 'toy0', [['toy-small', 'Toy small']]);
    // Looked for again every 10 s: wait for it (bounded).
    await m.until('parent-added toy0', () => m.lines.length >= 1, 40_000);
    assert.deepEqual(m.lines.map(withoutTime), ['parent-added - toy0 -']);
    assert.match(m.stderr, /monitor: now also watching toy \(timer 2000 ms\): 1 changes\n/);
    const r = mdevctl(h.root, 'start', '-p', 'toy0', '-t', 'toy-small', '-u', U1);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((await m.events(2))[1], `started ${U1} toy0 toy-small`);
  }, h);
});
