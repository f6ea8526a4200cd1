// The libvirt stage (issue 18), run inside the qemu guest by /guest/run: the Debian root file
// system of libvirt-rootfs.sh (from /dev/vda) is mounted and chrooted into; udevd and the
// monolithic libvirtd run there, with our mdevctl first in libvirtd's PATH; virsh drives the
// node-device driver as users do, on the kernel's mtty sample. Then the same sequence with
// Debian's mdevctl 1.4.0 first in the PATH, and the two transcripts of virsh are compared.
// The checks assert on what virsh prints and what libvirt shows (and on sysfs and the stored
// definitions), never on our own CLI's output. libvirt's debug log (util.command, node_device)
// says which mdevctl it ran and how often it re-listed.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beginSection, check, endSection, finish, fillPool, names, removeRaw, send, sh, sleep, type RunResult } from './lib.js';

const R = '/mnt/libvirt';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const REF = '/opt/mdevctl-1.4.0/usr/bin';
const DEBUG_LOG = '/var/log/libvirt-debug.log';
const CONF = '/etc/libvirt/mdev-test.conf';
const OURS_CALLS = '/run/mdevctl-ours.calls';
const oursCalls = (): number => (existsSync(R + OURS_CALLS) ? readFileSync(R + OURS_CALLS, 'utf8').split('\n').length - 1 : 0);

type Who = 'ours' | '1.4.0';
const mdevctlPath: Record<Who, string> = { ours: '/usr/local/sbin/mdevctl', '1.4.0': `${REF}/mdevctl` };

const started = Date.now();
const section = beginSection;
const note = (text: string): void => send({ kind: 'note', text });

/** A command in the root file system (absolute path), with env; never throws. */
function inRoot(cmd: string[], env: Record<string, string> = {}, timeout = 180_000): RunResult {
  const r = spawnSync('chroot', [R, ...cmd], { env: { PATH, HOME: '/root', LC_ALL: 'C', ...env }, encoding: 'utf8', timeout });
  return { status: r.status ?? (r.signal ? 128 : -1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function virsh(...args: string[]): RunResult {
  return inRoot(['/usr/bin/virsh', '-c', 'nodedev:///system', ...args]);
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
const show = (r: RunResult): string => `exit ${r.status}\n  stdout: ${JSON.stringify(r.stdout)}\n  stderr: ${JSON.stringify(r.stderr)}`;

/** Polls `probe` (bounded) until it holds: libvirt learns of udev and inotify events asynchronously. */
async function until(what: string, probe: () => boolean, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await sleep(250);
  }
}

/** `Key: value` lines of nodedev-info. */
function info(name: string): Record<string, string> {
  const r = virsh('nodedev-info', name);
  if (r.status !== 0) return {};
  const out: Record<string, string> = {};
  for (const l of lines(r.stdout)) {
    const m = /^([^:]+):\s*(.*)$/.exec(l);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const mdevs = (...flags: string[]): string[] => lines(virsh('nodedev-list', '--cap', 'mdev', ...flags).stdout).sort();

// --- the root file system ---------------------------------------------------------------------------

function mountRoot(): void {
  sh('modprobe -a virtio_pci virtio_blk ext4');
  const t0 = Date.now();
  while (!existsSync('/dev/vda')) {
    if (Date.now() - t0 > 30_000) throw new Error('no /dev/vda after modprobe virtio_blk');
    spawnSync('sleep', ['0.2']);
  }
  mkdirSync(R, { recursive: true });
  sh(`mount -t ext4 /dev/vda ${R}`);
  sh(`mount -t proc proc ${R}/proc && mount -t sysfs sysfs ${R}/sys && mount --bind /dev ${R}/dev`);
  sh(`mkdir -p /dev/pts && mount -t devpts devpts ${R}/dev/pts && mount -t tmpfs tmpfs ${R}/run && mount -t tmpfs tmpfs ${R}/tmp`);
  // libvirt passes --jsonfile=/dev/stdin; a bare devtmpfs has no /dev/fd.
  for (const [name, to] of [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2']] as const) {
    if (!existsSync(`/dev/${name}`)) symlinkSync(to, `/dev/${name}`);
  }
  // Our CLI and this guest's node, bind-mounted; a wrapper first in PATH.
  sh(`mount --bind /opt/mdevctl ${R}/opt/mdevctl && touch ${R}/opt/node/node && mount --bind /usr/bin/node ${R}/opt/node/node`);
  // It notes each call (which mdevctl libvirt ran: its debug log names only `mdevctl`).
  writeFileSync(
    `${R}/usr/local/sbin/mdevctl`,
    `#!/bin/sh\necho "$*" >>${OURS_CALLS}\nexec /opt/node/node /opt/mdevctl/core/bin/mdevctl.js "$@"\n`,
    { mode: 0o755 },
  );
  mkdirSync(`${R}/run/lock`, { recursive: true });
  mkdirSync(`${R}/var/log`, { recursive: true });
  writeFileSync(
    `${R}${CONF}`,
    'auth_unix_rw = "none"\nauth_unix_ro = "none"\n' +
      `log_filters = "1:util.command 1:node_device"\nlog_outputs = "1:file:${DEBUG_LOG}"\n`,
  );
}

function startUdev(): void {
  const env = { SYSTEMD_IGNORE_CHROOT: '1' };
  const r = inRoot(['/usr/lib/systemd/systemd-udevd', '--daemon'], env);
  if (r.status !== 0) throw new Error(`systemd-udevd: ${show(r)}`);
  inRoot(['/usr/bin/udevadm', 'trigger', '--action=add'], env);
  const s = inRoot(['/usr/bin/udevadm', 'settle', '--timeout=120'], env);
  if (s.status !== 0) throw new Error(`udevadm settle: ${show(s)}`);
}

let daemon: ChildProcess | undefined;

async function startLibvirtd(who: Who): Promise<void> {
  const out = openSync('/tmp/libvirtd.out', 'a');
  const path = who === 'ours' ? PATH : `${REF}:${PATH}`;
  daemon = spawn('chroot', [R, '/usr/sbin/libvirtd', '--config', CONF], {
    env: { PATH: path, HOME: '/root', LC_ALL: 'C' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  await until('libvirtd lists mtty_mtty as an mdev parent', () => lines(virsh('nodedev-list', '--cap', 'mdev_types').stdout).includes('mtty_mtty'), 180_000);
  // The first `mdevctl list` of its init thread is done once the defined devices show.
}

async function stopLibvirtd(): Promise<void> {
  const d = daemon;
  daemon = undefined;
  if (d === undefined || d.exitCode !== null) return;
  const gone = new Promise<void>((resolve) => d.once('exit', () => resolve()));
  d.kill('SIGTERM');
  const t = setTimeout(() => d.kill('SIGKILL'), 30_000);
  await gone;
  clearTimeout(t);
}

/** The mdevctl command lines libvirt ran (debug log, util.command), from `from` on. */
function mdevctlRuns(from = 0): string[] {
  const text = existsSync(R + DEBUG_LOG) ? readFileSync(R + DEBUG_LOG, 'utf8') : '';
  return text
    .split('\n')
    .slice(from)
    .filter((l) => /About to run .*mdevctl /.test(l))
    .map((l) => l.replace(/^.*About to run /, '').replace(/^(\S+=\S* )+/, ''));
}
const logLines = (): number => (existsSync(R + DEBUG_LOG) ? readFileSync(R + DEBUG_LOG, 'utf8').split('\n').length - 1 : 0);

function clearState(): void {
  for (const u of names('/sys/bus/mdev/devices')) removeRaw(u);
  const defs = `${R}/etc/mdevctl.d`;
  for (const n of names(defs)) if (n !== 'scripts.d') rmSync(join(defs, n), { recursive: true, force: true });
  for (const n of readdirSync(`${R}/etc`)) if (n.startsWith('.mdevctl.d.')) rmSync(`${R}/etc/${n}`);
}

// --- the sequence ---------------------------------------------------------------------------------

const UA = 'c0ffee00-1b8a-4e7c-9c67-0d1c2b3a4f0a';
const UC = 'c0ffee00-1b8a-4e7c-9c67-0d1c2b3a4f0c';
const UD = 'c0ffee00-1b8a-4e7c-9c67-0d1c2b3a4f0d';
const UE = 'c0ffee00-1b8a-4e7c-9c67-0d1c2b3a4f0e';
const nodeName = (uuid: string): string => `mdev_${uuid.replace(/-/g, '_')}_mtty`;
const NA = nodeName(UA);
const NC = nodeName(UC);
const ND = nodeName(UD);
const NE = nodeName(UE);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function xml(type: string, uuid?: string, attrs: Array<[string, string]> = [], name?: string): string {
  return (
    `<device>\n${name !== undefined ? `  <name>${name}</name>\n` : ''}  <parent>mtty_mtty</parent>\n  <capability type='mdev'>\n    <type id='${type}'/>\n` +
    (uuid !== undefined ? `    <uuid>${uuid}</uuid>\n` : '') +
    attrs.map(([k, v]) => `    <attr name='${k}' value='${v}'/>\n`).join('') +
    '  </capability>\n</device>\n'
  );
}

interface Step {
  name: string;
  result: RunResult;
}

/** One run of the whole sequence with `who` first in libvirtd's PATH; its virsh transcript. */
async function sequence(who: Who, modern: boolean): Promise<{ steps: Step[]; listCalls: number; runs: string[] }> {
  const steps: Step[] = [];
  let generated = '';
  const norm = (r: RunResult): RunResult => {
    const sub = (s: string): string => {
      let t = s;
      if (generated !== '') t = t.split(generated).join('<generated>').split(generated.replace(/-/g, '_')).join('<generated_>');
      return t;
    };
    return { status: r.status, stdout: sub(r.stdout), stderr: sub(r.stderr) };
  };
  // nodedev-list sorts by name, and the name libvirt makes up sorts anywhere: compare as a set.
  const sorted = (r: RunResult): RunResult => ({ ...r, stdout: lines(r.stdout).sort().join('\n') });
  /** A virsh step: recorded for the comparison, then checked. */
  const step = async (name: string, args: string[], verify: (r: RunResult) => void | Promise<void>): Promise<RunResult> => {
    const r = virsh(...args);
    await check(`[${who}] ${name}`, () => verify(r));
    steps.push({ name, result: args[0] === 'nodedev-list' ? sorted(norm(r)) : norm(r) });
    return r;
  };
  const okWith = (r: RunResult, stdout: RegExp): void => {
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stderr, '', show(r));
    assert.match(r.stdout, stdout, show(r));
  };
  const behind = (...args: string[]): RunResult => {
    const r = inRoot([mdevctlPath[who], ...args]);
    if (r.status !== 0) throw new Error(`mdevctl ${args.join(' ')}: ${show(r)}`);
    return r;
  };
  writeFileSync(`${R}/tmp/a.xml`, xml('mtty-1', UA));
  writeFileSync(`${R}/tmp/b.xml`, xml('mtty-2', undefined, [['x', '1']]));
  writeFileSync(`${R}/tmp/c.xml`, xml('mtty-1', UC));
  writeFileSync(`${R}/tmp/upd.xml`, xml('mtty-1', UA, [['mode', 'fast'], ['level', '3']], NA));

  clearState();
  rmSync(R + DEBUG_LOG, { force: true });
  const calls0 = oursCalls();
  await startLibvirtd(who);
  const log0 = logLines();

  await step('nodedev-list --cap mdev_types: mtty is the one mdev parent libvirt can drive', ['nodedev-list', '--cap', 'mdev_types'], (r) => {
    okWith(r, /mtty_mtty/);
    assert.deepEqual(lines(r.stdout), ['mtty_mtty']);
  });
  await step("nodedev-dumpxml mtty_mtty: its mdev types and free instances", ['nodedev-dumpxml', 'mtty_mtty'], (r) => {
    okWith(r, /<capability type='mdev_types'>/);
    assert.match(r.stdout, /<type id='mtty-1'>[\s\S]*?<availableInstances>24<\/availableInstances>/);
    assert.match(r.stdout, /<type id='mtty-2'>[\s\S]*?<availableInstances>12<\/availableInstances>/);
  });
  await step('nodedev-define with a uuid', ['nodedev-define', '/tmp/a.xml'], (r) => {
    okWith(r, new RegExp(`^Node device '${NA}' defined from '/tmp/a.xml'\\n`));
    assert.ok(existsSync(`${R}/etc/mdevctl.d/mtty/${UA}`), 'the definition is stored');
  });
  await step('nodedev-define without a uuid (libvirt makes one)', ['nodedev-define', '/tmp/b.xml'], (r) => {
    okWith(r, /^Node device 'mdev_[0-9a-f_]{36}_mtty' defined from '\/tmp\/b.xml'\n/);
    generated = (/mdev_([0-9a-f_]{36})_mtty/.exec(r.stdout)?.[1] ?? '').replace(/_/g, '-');
    assert.match(generated, UUID);
    assert.ok(existsSync(`${R}/etc/mdevctl.d/mtty/${generated}`), 'the definition is stored under the uuid libvirt made');
  });
  const NB = nodeName(generated || '00000000-0000-0000-0000-000000000000');
  await step('nodedev-list --cap mdev --all: both defined devices', ['nodedev-list', '--cap', 'mdev', '--all'], (r) => {
    okWith(r, /mdev_/);
    assert.deepEqual(lines(r.stdout).sort(), [NA, NB].sort());
  });
  await step('nodedev-list --cap mdev --inactive: both, neither is started', ['nodedev-list', '--cap', 'mdev', '--inactive'], (r) => {
    okWith(r, /mdev_/);
    assert.deepEqual(lines(r.stdout).sort(), [NA, NB].sort());
  });
  await step('nodedev-list --cap mdev: none active', ['nodedev-list', '--cap', 'mdev'], (r) => okWith(r, /^\n?$/));
  await step('nodedev-info: parent, persistent, inactive, no autostart', ['nodedev-info', NA], (r) => {
    okWith(r, /Name:/);
    const i = Object.fromEntries(lines(r.stdout).map((l) => l.split(/:\s+/, 2) as [string, string]));
    assert.equal(i['Parent'], 'mtty_mtty');
    assert.equal(i['Active'], 'no');
    assert.equal(i['Persistent'], 'yes');
    assert.equal(i['Autostart'], 'no');
  });
  await step('nodedev-dumpxml of the defined device: type, uuid, parent', ['nodedev-dumpxml', NA], (r) => {
    okWith(r, /<capability type='mdev'>/);
    assert.match(r.stdout, /<parent>mtty_mtty<\/parent>/);
    assert.match(r.stdout, /<type id='mtty-1'\/>/);
    assert.match(r.stdout, new RegExp(`<uuid>${UA}</uuid>`));
  });
  await step('nodedev-dumpxml of the device without a uuid: its attribute', ['nodedev-dumpxml', NB], (r) => {
    okWith(r, /<type id='mtty-2'\/>/);
    assert.match(r.stdout, /<attr name='x' value='1'\/>/);
  });
  await step('nodedev-autostart: on', ['nodedev-autostart', NA], async (r) => {
    okWith(r, new RegExp(`Device ${NA} marked as autostarted`));
    // libvirt sets the flag, then re-reads `mdevctl list` on the inotify event: a list begun
    // before the change may set it back for a moment (seconds with a node start per call).
    await until(`${NA} autostart yes`, () => info(NA)['Autostart'] === 'yes');
    assert.match(readFileSync(`${R}/etc/mdevctl.d/mtty/${UA}`, 'utf8'), /"start": "auto"/);
  });
  await step('nodedev-autostart --disable: off', ['nodedev-autostart', '--disable', NA], async (r) => {
    okWith(r, new RegExp(`Device ${NA} unmarked as autostarted`));
    const now = info(NA)['Autostart'];
    if (now !== 'no') note(`[${who}] right after nodedev-autostart --disable, nodedev-info said Autostart: ${now} (a list begun before the change)`);
    await until(`${NA} autostart no`, () => info(NA)['Autostart'] === 'no');
    assert.match(readFileSync(`${R}/etc/mdevctl.d/mtty/${UA}`, 'utf8'), /"start": "manual"/);
  });
  await step('nodedev-start: the device is in sysfs and active in libvirt', ['nodedev-start', NA], async (r) => {
    okWith(r, new RegExp(`Device ${NA} started`));
    assert.ok(existsSync(`/sys/bus/mdev/devices/${UA}`), 'in sysfs');
    await until(`${NA} active`, () => info(NA)['Active'] === 'yes' && mdevs().includes(NA));
  });
  if (modern) {
    await step('nodedev-update --live on a type with no live call-out: the line libvirt shows', ['nodedev-update', NA, '/tmp/upd.xml', '--live'], (r) => {
      assert.notEqual(r.status, 0, show(r));
      assert.match(r.stderr, /: Live modification is not supported for this device type\. Changing the device configuration requires stopping and restarting the device\.\n/, show(r));
    });
    await step('nodedev-update --config: attributes stored, the running device untouched', ['nodedev-update', NA, '/tmp/upd.xml', '--config'], (r) => {
      okWith(r, new RegExp(`^Updated node device ${NA} persistent config\\n`));
      const def = JSON.parse(readFileSync(`${R}/etc/mdevctl.d/mtty/${UA}`, 'utf8')) as { attrs?: unknown };
      assert.deepEqual(def.attrs, [{ mode: 'fast' }, { level: '3' }]);
      assert.ok(existsSync(`/sys/bus/mdev/devices/${UA}`), 'still running');
    });
    await step('nodedev-dumpxml --inactive: the updated attributes, in order', ['nodedev-dumpxml', '--inactive', NA], (r) => {
      okWith(r, /<attr name='mode' value='fast'\/>\s*<attr name='level' value='3'\/>/);
    });
  } else {
    note('libvirt 9.0.0 has no nodedev-update: the update steps are skipped');
  }
  await step('nodedev-destroy: gone from sysfs, inactive but still defined', ['nodedev-destroy', NA], async (r) => {
    okWith(r, new RegExp(`Destroyed node device '${NA}'`));
    assert.ok(!existsSync(`/sys/bus/mdev/devices/${UA}`), 'gone from sysfs');
    await until(`${NA} inactive`, () => info(NA)['Active'] === 'no');
    assert.equal(info(NA)['Persistent'], 'yes');
  });
  // The kernel refuses: every mtty port is taken (raw sysfs writes, behind everyone's back).
  const fill = fillPool('mtty', 'mtty-2');
  const fillers = names('/sys/bus/mdev/devices');
  await step('nodedev-start that the kernel refuses (no free mtty port): the message libvirt shows', ['nodedev-start', NA], (r) => {
    assert.ok(fill !== 'never refused' && fillers.length === 12, `pool filled: ${fill}, ${fillers.length}`);
    assert.notEqual(r.status, 0, show(r));
    assert.match(r.stdout, /^\n?$/, show(r));
    assert.match(r.stderr, new RegExp(`^error: Failed to start device ${NA}\nerror: .*No available instances of mtty-1 on mtty\n`), show(r));
    note(`[${who}] the kernel's refusal as virsh shows it: ${JSON.stringify(r.stderr)}`);
    assert.ok(!existsSync(`/sys/bus/mdev/devices/${UA}`), 'not started');
  });
  for (const u of fillers) removeRaw(u);
  await check(`[${who}] libvirt drops the kernel's own devices once removed`, () => until('no active mdevs in libvirt', () => mdevs().length === 0));
  await step('nodedev-create: a transient device from XML', ['nodedev-create', '/tmp/c.xml'], async (r) => {
    okWith(r, new RegExp(`Node device ${NC} created from /tmp/c.xml`));
    assert.ok(existsSync(`/sys/bus/mdev/devices/${UC}`), 'in sysfs');
    assert.ok(!existsSync(`${R}/etc/mdevctl.d/mtty/${UC}`), 'not stored');
    await until(`${NC} active, not persistent`, () => {
      const i = info(NC);
      return i['Active'] === 'yes' && i['Persistent'] === 'no';
    });
  });
  await step('nodedev-destroy of the transient device: it is gone from libvirt', ['nodedev-destroy', NC], async (r) => {
    okWith(r, new RegExp(`Destroyed node device '${NC}'`));
    await until(`${NC} gone`, () => !mdevs('--all').includes(NC));
  });
  await step('nodedev-undefine: the definition is removed', ['nodedev-undefine', NA], async (r) => {
    okWith(r, new RegExp(`Undefined node device '${NA}'`));
    assert.ok(!existsSync(`${R}/etc/mdevctl.d/mtty/${UA}`), 'definition removed');
    await until(`${NA} gone`, () => !mdevs('--all').includes(NA));
  });

  // mdevctl behind libvirt's back: the inotify watch and udev tell libvirt.
  await check(`[${who}] mdevctl define behind libvirt's back: libvirt lists it`, async () => {
    behind('define', '-u', UD, '-p', 'mtty', '-t', 'mtty-1');
    await until(`${ND} defined`, () => mdevs('--inactive').includes(ND));
  });
  await check(`[${who}] mdevctl modify --auto behind libvirt's back: libvirt shows autostart`, async () => {
    behind('modify', '-u', UD, '--auto');
    await until(`${ND} autostart`, () => info(ND)['Autostart'] === 'yes');
  });
  await check(`[${who}] mdevctl start behind libvirt's back: active in libvirt`, async () => {
    behind('start', '-u', UD);
    await until(`${ND} active`, () => info(ND)['Active'] === 'yes');
  });
  await check(`[${who}] mdevctl stop behind libvirt's back: inactive in libvirt`, async () => {
    behind('stop', '-u', UD);
    await until(`${ND} inactive`, () => info(ND)['Active'] === 'no');
  });
  await check(`[${who}] mdevctl undefine behind libvirt's back: gone from libvirt`, async () => {
    behind('undefine', '-u', UD);
    await until(`${ND} gone`, () => !mdevs('--all').includes(ND));
  });
  const runs = mdevctlRuns(log0);
  const listCalls = runs.filter((l) => /mdevctl list\b/.test(l)).length;

  // A restart: libvirt rebuilds its list of defined devices from `mdevctl list`.
  await stopLibvirtd();
  behind('define', '-u', UE, '-p', 'mtty', '-t', 'mtty-2', '--auto');
  await startLibvirtd(who);
  await check(`[${who}] after a libvirtd restart: libvirt rebuilds its list of defined devices from mdevctl list`, () =>
    until(`${NB} and ${NE} listed`, () => mdevs('--all').join(' ') === [NB, NE].sort().join(' ')),
  );
  await step('after the restart: nodedev-list --cap mdev --all', ['nodedev-list', '--cap', 'mdev', '--all'], (r) => {
    okWith(r, /mdev_/);
    assert.deepEqual(lines(r.stdout).sort(), [NB, NE].sort());
  });
  await step('after the restart: nodedev-info of the device defined while libvirtd was down', ['nodedev-info', NE], (r) => {
    okWith(r, /Persistent:\s+yes/);
    assert.match(r.stdout, /Autostart:\s+yes/);
    assert.match(r.stdout, /Active:\s+no/);
  });
  await check(`[${who}] libvirt ran ${mdevctlPath[who]} (its debug log and our wrapper's notes)`, () => {
    const all = mdevctlRuns();
    assert.ok(all.length > 0, 'no mdevctl command in the debug log');
    for (const l of all) assert.match(l, /^(\S*\/)?mdevctl /, l);
    const ran = oursCalls() - calls0;
    if (who === 'ours') assert.ok(ran >= all.length, `our mdevctl ran ${ran} times, libvirt ran mdevctl ${all.length} times`);
    else assert.equal(ran, 0, 'our mdevctl ran although 1.4.0 is first in the PATH');
  });
  await stopLibvirtd();
  clearState();
  return { steps, listCalls, runs };
}

// --- main -----------------------------------------------------------------------------------------

section('libvirt: setup');
let ready = false;
let modern = true;
let haveRef = false;
await check('the root file system mounts and udevd runs in it', () => {
  mountRoot();
  startUdev();
  ready = true;
});
if (ready) {
  const osr = readFileSync(`${R}/etc/os-release`, 'utf8');
  modern = !/VERSION_CODENAME=bookworm/.test(osr);
  haveRef = existsSync(`${R}${REF}/mdevctl`);
  const v = inRoot(['/usr/sbin/libvirtd', '--version']).stdout.trim();
  note(`libvirt stage: ${/PRETTY_NAME="([^"]*)"/.exec(osr)?.[1] ?? '?'}, ${v}${modern ? '' : ' (the Debian 12 fallback)'}`);
}
const results: Partial<Record<Who, Awaited<ReturnType<typeof sequence>>>> = {};
if (ready) {
  section('libvirt: virsh drives our mdevctl');
  results.ours = await sequence('ours', modern);
  if (haveRef) {
    section("libvirt: the same with Debian's mdevctl 1.4.0");
    results['1.4.0'] = await sequence('1.4.0', modern);
  } else {
    note("no Debian mdevctl 1.4.0 in the root file system: the comparison is skipped");
  }
}
const ours = results.ours;
const ref = results['1.4.0'];
if (ours !== undefined && ref !== undefined) {
  section("libvirt: virsh shows the same with ours and with 1.4.0");
  const byName = new Map(ref.steps.map((s) => [s.name, s.result]));
  for (const s of ours.steps) {
    await check(`same virsh result: ${s.name}`, () => {
      assert.deepEqual(s.result, byName.get(s.name), `ours (actual) vs 1.4.0 (expected)`);
    });
  }
  note(`libvirt re-ran mdevctl list ${ours.listCalls} times with ours, ${ref.listCalls} with 1.4.0 (the same virsh and mdevctl sequence, before the restart)`);
  await check(`libvirt re-lists no more often with ours than with 1.4.0 (${ours.listCalls} vs ${ref.listCalls} list calls)`, () => {
    assert.ok(ours.listCalls <= ref.listCalls, `ours ${ours.listCalls}, 1.4.0 ${ref.listCalls}\nours:\n${ours.runs.join('\n')}\n1.4.0:\n${ref.runs.join('\n')}`);
  });
} else if (ours !== undefined) {
  note(`libvirt re-ran mdevctl list ${ours.listCalls} times with ours`);
}
if (existsSync(R + DEBUG_LOG)) send({ kind: 'note', text: `libvirt debug log: ${logLines()} lines` });
endSection();
send({ kind: 'timing', name: 'all libvirt checks', seconds: (Date.now() - started) / 1000 });
process.exitCode = finish();
