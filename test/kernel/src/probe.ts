// The fidelity probe: one scripted sequence of sysfs operations (layout, create/remove error
// cases, shared pools, uuid case and length rules, `remove` semantics, parent unregistration)
// whose observations must be the same on the real kernel (in the guest, root `/`, core's
// KernelSysfsWriter) and on the simulated host (root = a temp tree, the SimulatedKernel).
// Every observation is plain JSON, keyed by a stable name, so the host can compare section by
// section and show exactly what differs.

import { closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** How the probe writes to sysfs and (un)registers a parent on one host. */
export interface ProbeHost {
  readonly root: string;
  /** `echo -n data > path`: throws node-shaped errno errors like the kernel. */
  write(path: string, data: string): void;
  /** rmmod / modprobe of the parent's driver (mtty). */
  unplug(parent: string): void;
  plug(parent: string): void;
}

export type Observations = Record<string, Record<string, unknown>>;

export const PROBE_PARENTS = ['mbochs', 'mdpy', 'mtty'] as const;
const P1 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const P2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
const P3 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003';
const P4 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1004';

/** A write's outcome: `ok`, or the code, errno and syscall of the error. */
function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code !== 'string') throw e;
    return `${err.code} errno=${err.errno ?? '?'} syscall=${err.syscall ?? '?'}`;
  }
}

/** One entry of a sysfs dir: kind, mode, link target or (readable files) content. */
function describeEntry(path: string): string {
  const st = lstatSync(path);
  const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
  if (st.isSymbolicLink()) return `link -> ${readlinkSync(path)}`;
  if (st.isDirectory()) return `dir ${mode}`;
  if ((st.mode & 0o444) === 0) return `file ${mode}`;
  return `file ${mode} ${JSON.stringify(readFileSync(path, 'utf8'))}`;
}

function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = describeEntry(join(dir, name));
  return out;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function runProbe(h: ProbeHost): Observations {
  const sys = join(h.root, 'sys');
  const typeDir = (p: string, t: string) => join(sys, 'class/mdev_bus', p, 'mdev_supported_types', t);
  const create = (p: string, t: string) => join(typeDir(p, t), 'create');
  const dev = (u: string) => join(sys, 'bus/mdev/devices', u);
  const write = (path: string, data: string) => outcome(() => h.write(path, data));
  const active = () => names(join(sys, 'bus/mdev/devices'));
  const avail = (p: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const t of names(join(sys, 'class/mdev_bus', p, 'mdev_supported_types'))) {
      out[t] = Number(readFileSync(join(typeDir(p, t), 'available_instances'), 'utf8'));
    }
    return out;
  };
  const pools = () => Object.fromEntries(PROBE_PARENTS.map((p) => [p, avail(p)]));
  const removeAll = () => {
    for (const u of active()) h.write(join(dev(u), 'remove'), '1');
  };
  const obs: Observations = {};
  // A synthetic uevent on the mbochs parent (always registered) marks where each phase starts.
  let phase = 0;
  const mark = () => h.write(join(sys, 'class/mdev_bus/mbochs/uevent'), `change ${phaseMarker(phase++)}`);
  mark();

  // --- layout of parents and types (fresh)
  const layout: Record<string, unknown> = {};
  for (const p of PROBE_PARENTS) {
    layout[`class/mdev_bus/${p}`] = readlinkSync(join(sys, 'class/mdev_bus', p));
    const parentDir = join(sys, 'class/mdev_bus', p);
    layout[`${p}/ (names)`] = names(parentDir);
    layout[`${p}/uevent`] = readFileSync(join(parentDir, 'uevent'), 'utf8');
    for (const t of names(join(parentDir, 'mdev_supported_types'))) {
      layout[`${p}/${t}/`] = listing(typeDir(p, t));
    }
  }
  layout['bus/mdev/ (names)'] = names(join(sys, 'bus/mdev'));
  layout['bus/mdev/drivers/ (names)'] = names(join(sys, 'bus/mdev/drivers')).filter((d) =>
    (PROBE_PARENTS as readonly string[]).includes(d),
  );
  layout['read create'] = outcome(() => readFileSync(create('mtty', 'mtty-1')));
  obs['layout'] = layout;

  // --- one device and what appears for it
  mark();
  const device: Record<string, unknown> = {};
  device['create mtty-2'] = write(create('mtty', 'mtty-2'), P1);
  device['pools after'] = pools();
  device['bus/mdev/devices/U'] = readlinkSync(dev(P1));
  const devEntries = listing(dev(P1));
  device['device dir'] = devEntries;
  device['type devices/U'] = readlinkSync(join(typeDir('mtty', 'mtty-2'), 'devices', P1));
  device['vfio-dev/ (names)'] = names(join(dev(P1), 'vfio-dev'));
  obs['device'] = device;

  // --- create errors
  mark();
  const cr: Record<string, unknown> = {};
  cr['same uuid, same type'] = write(create('mtty', 'mtty-2'), P1);
  cr['same uuid, other type'] = write(create('mtty', 'mtty-1'), P1);
  cr['same uuid, other parent (mdpy)'] = write(create('mdpy', 'mdpy-vga'), P1);
  cr['upper case of an existing uuid'] = write(create('mtty', 'mtty-1'), P1.toUpperCase());
  cr['not-a-uuid'] = write(create('mtty', 'mtty-1'), 'not-a-uuid');
  cr['bad hex (…10zz)'] = write(create('mtty', 'mtty-1'), `${P2.slice(0, 34)}zz`);
  cr['35 chars'] = write(create('mtty', 'mtty-1'), P2.slice(0, 35));
  cr['38 chars (uuid\\n\\n)'] = write(create('mtty', 'mtty-1'), `${P2}\n\n`);
  cr['braces'] = write(create('mtty', 'mtty-1'), `{${P2}}`);
  cr['empty write'] = write(create('mtty', 'mtty-1'), '');
  cr['active after the refusals'] = active();
  cr['uuid + X (37th char not \\n)'] = write(create('mtty', 'mtty-1'), `${P2}X`);
  cr['uuid + \\n'] = write(create('mtty', 'mtty-1'), `${P3}\n`);
  cr['upper-case new uuid'] = write(create('mtty', 'mtty-1'), P4.toUpperCase());
  cr['active after the accepted ones'] = active();
  cr['non-existent type dir'] = write(create('mtty', 'mtty-9'), P2.replace('1002', '1009'));
  cr['write to available_instances'] = write(join(typeDir('mtty', 'mtty-1'), 'available_instances'), '1');
  cr['pools after'] = pools();
  obs['create errors'] = cr;

  // --- remove semantics
  mark();
  const rm: Record<string, unknown> = {};
  rm['remove "0"'] = write(join(dev(P2), 'remove'), '0');
  rm['still there after "0"'] = active().includes(P2);
  rm['remove "abc"'] = write(join(dev(P2), 'remove'), 'abc');
  rm['remove "-1"'] = write(join(dev(P2), 'remove'), '-1');
  rm['remove ""'] = write(join(dev(P2), 'remove'), '');
  rm['still there after the refusals'] = active().includes(P2);
  rm['remove "2"'] = write(join(dev(P2), 'remove'), '2');
  rm['gone after "2"'] = !active().includes(P2);
  rm['remove again'] = write(join(dev(P2), 'remove'), '1');
  rm['remove "0x1" (base 0)'] = write(join(dev(P3), 'remove'), '0x1');
  rm['gone after "0x1"'] = !active().includes(P3);
  rm['remove "1\\n"'] = write(join(dev(P4), 'remove'), '1\n');
  rm['read remove'] = outcome(() => readFileSync(join(dev(P1), 'remove')));
  rm['remove the last'] = write(join(dev(P1), 'remove'), '1');
  rm['type devices/ after'] = names(join(typeDir('mtty', 'mtty-2'), 'devices'));
  rm['active after'] = active();
  rm['pools after'] = pools();
  obs['remove'] = rm;

  // --- shared pools, filled to the refusal
  mark();
  const pool: Record<string, unknown> = {};
  let n = 0;
  const fresh = () => `5b6ee1c2-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`;
  const fill = (p: string, t: string): string => {
    for (let i = 0; i < 300; i++) {
      const r = write(create(p, t), fresh());
      if (r !== 'ok') return `${i} created, then ${r}`;
    }
    return 'never refused';
  };
  pool['mtty: one mtty-2'] = write(create('mtty', 'mtty-2'), fresh());
  pool['mtty after one mtty-2'] = avail('mtty');
  pool['mtty: one mtty-1'] = write(create('mtty', 'mtty-1'), fresh());
  pool['mtty after one mtty-1'] = avail('mtty');
  pool['mtty: fill mtty-2'] = fill('mtty', 'mtty-2');
  pool['mtty after mtty-2 is full'] = avail('mtty');
  pool['mtty: fill mtty-1'] = fill('mtty', 'mtty-1');
  pool['mtty when full'] = avail('mtty');
  pool['mbochs: one mbochs-small'] = write(create('mbochs', 'mbochs-small'), fresh());
  pool['mbochs after one small'] = avail('mbochs');
  pool['mbochs: one mbochs-large'] = write(create('mbochs', 'mbochs-large'), fresh());
  pool['mbochs after small + large'] = avail('mbochs');
  pool['mbochs: fill mbochs-large'] = fill('mbochs', 'mbochs-large');
  pool['mbochs after large is full'] = avail('mbochs');
  pool['mbochs: fill mbochs-medium'] = fill('mbochs', 'mbochs-medium');
  pool['mbochs: fill mbochs-small'] = fill('mbochs', 'mbochs-small');
  pool['mbochs when full'] = avail('mbochs');
  pool['mdpy: one mdpy-hd'] = write(create('mdpy', 'mdpy-hd'), fresh());
  pool['mdpy after one hd'] = avail('mdpy');
  pool['mdpy: fill mdpy-vga'] = fill('mdpy', 'mdpy-vga');
  pool['mdpy when full'] = avail('mdpy');
  pool['mdpy: one more mdpy-xga'] = write(create('mdpy', 'mdpy-xga'), fresh());
  pool['devices'] = active().length;
  removeAll();
  pool['pools after removing all'] = pools();
  obs['pools'] = pool;

  // --- parent unregistration with devices present (rmmod), and back (modprobe)
  mark();
  const reg: Record<string, unknown> = {};
  reg['create 2 on mtty'] = [write(create('mtty', 'mtty-1'), P1), write(create('mtty', 'mtty-2'), P2)];
  reg['create 1 on mdpy'] = write(create('mdpy', 'mdpy-vga'), P3);
  h.unplug('mtty');
  reg['mdev_bus after unplug'] = names(join(sys, 'class/mdev_bus'));
  reg['active after unplug'] = active();
  reg['create on the gone parent'] = write(create('mtty', 'mtty-1'), P4);
  h.plug('mtty');
  reg['mdev_bus after plug'] = names(join(sys, 'class/mdev_bus'));
  reg['mtty pools after plug'] = avail('mtty');
  reg['active after plug'] = active();
  removeAll();
  reg['active at the end'] = active();
  reg['pools at the end'] = pools();
  obs['parent registration'] = reg;

  return obs;
}

/** `echo -n data > path` on a real kernel (what core's KernelSysfsWriter does). */
export function kernelWrite(path: string, data: string): void {
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** The uevent fields compared between the real kernel and the simulated host. */
export interface ProbeUevent {
  action: string;
  subsystem: string;
  devpath: string;
  env: Record<string, string>;
}

/** Subsystems of the events the simulated host models (mdevs, their vfio nodes, the parents). */
export const UEVENT_SUBSYSTEMS = ['mdev', 'vfio', 'vfio-dev', ...PROBE_PARENTS];
export const UEVENT_ENV_KEYS = ['MDEV_STATE', 'DRIVER', 'DEVNAME', 'MAJOR', 'MINOR', 'SYNTH_UUID'];

/** `action subsystem devpath KEY=value…` for the compared events, in order. */
export function formatUevents(events: readonly ProbeUevent[]): string[] {
  return events
    .filter((e) => UEVENT_SUBSYSTEMS.includes(e.subsystem))
    .map((e) => {
      const env = UEVENT_ENV_KEYS.filter((k) => (e.env[k] ?? '') !== '').map((k) => `${k}=${e.env[k]}`);
      return [e.action, e.subsystem, e.devpath, ...env].join(' ');
    });
}

/** The probe's phases, in order; a synthetic `change` uevent with phaseMarker(i) starts phase i. */
export const PROBE_PHASES = ['layout', 'device', 'create errors', 'remove', 'pools', 'parent registration'];

export function phaseMarker(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** The compared uevents of each phase (the marker events themselves left out). */
export function ueventsByPhase(events: readonly ProbeUevent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current = '(before the first marker)';
  for (const e of events) {
    const synth = e.env['SYNTH_UUID'];
    if (e.action === 'change' && synth !== undefined && synth !== '') {
      const i = PROBE_PHASES.findIndex((_, n) => phaseMarker(n) === synth);
      if (i >= 0) {
        current = PROBE_PHASES[i] ?? current;
        out[current] ??= [];
        continue;
      }
    }
    const [line] = formatUevents([e]);
    if (line !== undefined) (out[current] ??= []).push(line);
  }
  return out;
}
