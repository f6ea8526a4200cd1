// Parent devices: their static device dirs, bus-driver binding (css subchannels register as
// mdev parents exactly while bound to vfio_ccw), and mdev parent (un)registration — the type
// dirs, the sys/class/mdev_bus link, and the MDEV_STATE uevents.

import { basename, dirname, join } from 'node:path';
import { removeDevice } from './devices.js';
import { afterGvtUnplug, beforeGvtPlug } from './gvt.js';
import { isDirectory, linkTo, makeDir, MODE_RO, MODE_RW, MODE_WO, putFile, removeTree } from './fsops.js';
import type { SimHost, Uevent } from './host.js';
import type { ParentProfile } from './profiles.js';

function subsystemName(p: ParentProfile): string {
  return basename(p.subsystem);
}

/** sys/class/<c>/<name> or sys/bus/<b>/devices/<name>: the device's entry in its subsystem. */
function subsystemEntry(host: SimHost, p: ParentProfile): string {
  return p.subsystem.startsWith('bus/')
    ? host.sysPath(join(p.subsystem, 'devices', p.name))
    : host.sysPath(join(p.subsystem, p.name));
}

function writeUevent(host: SimHost, p: ParentProfile): void {
  const rest = p.files['uevent'] ?? '';
  const bound = p.registersWith !== undefined ? host.boundDriver(p) : undefined;
  const content = bound !== undefined ? `DRIVER=${basename(bound)}\n${rest}` : rest;
  putFile(join(host.parentDir(p), 'uevent'), content, MODE_RW);
}

/** Creates the parent's device dir (without mdev types) and its bus binding. */
export function buildParentDevice(host: SimHost, p: ParentProfile): void {
  const dir = host.parentDir(p);
  makeDir(join(dir, 'power'));
  for (const [rel, content] of Object.entries(p.files)) {
    if (rel === 'uevent') continue;
    putFile(join(dir, rel), content, rel === 'driver_override' ? MODE_RW : MODE_RO);
  }
  makeDir(host.sysPath(p.subsystem));
  linkTo(join(dir, 'subsystem'), host.sysPath(p.subsystem));
  linkTo(subsystemEntry(host, p), dir);
  if (p.boundTo !== undefined) linkBinding(host, p, p.boundTo);
  writeUevent(host, p);
}

/** Removes a module's own parent device (rmmod). */
function removeParentDevice(host: SimHost, p: ParentProfile): void {
  removeTree(subsystemEntry(host, p));
  removeTree(host.parentDir(p));
}

function linkBinding(host: SimHost, p: ParentProfile, driverDir: string): void {
  const drvDir = host.sysPath(driverDir);
  makeDir(drvDir);
  linkTo(join(host.parentDir(p), 'driver'), drvDir);
  linkTo(join(drvDir, p.name), host.parentDir(p));
}

/** Makes a bus driver dir with its bind/unbind files (css drivers). */
export function buildBusDriver(host: SimHost, driverDir: string): void {
  const dir = host.sysPath(driverDir);
  for (const f of ['bind', 'unbind', 'uevent']) putFile(join(dir, f), '', MODE_WO);
  putFile(host.sysPath(join(dirname(dirname(driverDir)), 'drivers_probe')), '', MODE_WO); // the bus's
}

/** Binds a device to a bus driver; registers it as a parent when that is its mdev driver. */
export function bindDevice(host: SimHost, p: ParentProfile, driverDir: string): void {
  linkBinding(host, p, driverDir);
  writeUevent(host, p);
  host.emit([
    { action: 'bind', devpath: host.devpathOf(host.parentDir(p)), subsystem: subsystemName(p), env: { DRIVER: basename(driverDir) } },
  ]);
  if (p.registersWith === driverDir && !host.isRegistered(p)) registerParent(host, p);
}

/** Unbinds a device from its bus driver, unregistering the parent first when it was one. */
export function unbindDevice(host: SimHost, p: ParentProfile): void {
  const bound = host.boundDriver(p);
  if (bound === undefined) return;
  if (p.registersWith === bound && host.isRegistered(p)) unregisterParent(host, p);
  removeTree(join(host.parentDir(p), 'driver'));
  removeTree(host.sysPath(join(bound, p.name)));
  writeUevent(host, p);
  host.emit([{ action: 'unbind', devpath: host.devpathOf(host.parentDir(p)), subsystem: subsystemName(p), env: {} }]);
}

function buildTypes(host: SimHost, p: ParentProfile): void {
  for (const [type, t] of Object.entries(host.driver(p).types)) {
    const dir = host.typeDir(p, type);
    makeDir(join(dir, 'devices'));
    if (t.name !== undefined) putFile(join(dir, 'name'), `${t.name}\n`, MODE_RO);
    if (t.description !== undefined) {
      const d = t.description.endsWith('\n') ? t.description : `${t.description}\n`;
      putFile(join(dir, 'description'), d, MODE_RO);
    }
    putFile(join(dir, 'device_api'), `${t.deviceApi}\n`, MODE_RO);
    putFile(join(dir, 'available_instances'), `${host.available(p, type)}\n`, MODE_RO);
    putFile(join(dir, 'create'), '', MODE_WO);
  }
}

function ensureMdevDriver(host: SimHost, p: ParentProfile): void {
  const dir = host.mdevDriverDir(host.driver(p));
  if (isDirectory(dir)) return;
  for (const f of ['bind', 'unbind', 'uevent']) putFile(join(dir, f), '', MODE_WO);
}

/** mdev_register_parent: type dirs, the class link, then `change MDEV_STATE=registered`. */
export function registerParent(host: SimHost, p: ParentProfile): void {
  ensureMdevDriver(host, p);
  buildTypes(host, p);
  linkTo(host.classLink(p), host.parentDir(p));
  host.emit([
    {
      action: 'change',
      devpath: host.devpathOf(host.parentDir(p)),
      subsystem: subsystemName(p),
      env: { MDEV_STATE: 'registered' },
    },
  ]);
}

/** mdev_unregister_parent: removes its devices, then the types and the class link. */
export function unregisterParent(host: SimHost, p: ParentProfile): void {
  for (const d of host.devices(p)) removeDevice(host, p, d.uuid);
  host.emit([
    {
      action: 'change',
      devpath: host.devpathOf(host.parentDir(p)),
      subsystem: subsystemName(p),
      env: { MDEV_STATE: 'unregistered' },
    },
  ]);
  removeTree(host.classLink(p));
  removeTree(host.typesDir(p));
}

/** Registers a parent that is not: loads its module / binds it to its mdev-capable driver. */
export function plugParent(host: SimHost, p: ParentProfile): void {
  if (host.isRegistered(p)) throw new Error(`parent ${p.name} is already registered`);
  beforeGvtPlug(host, p);
  const events: Uevent[] = [];
  if (p.module && !isDirectory(host.parentDir(p))) {
    buildParentDevice(host, p);
    events.push({ action: 'add', devpath: host.devpathOf(host.parentDir(p)), subsystem: subsystemName(p), env: {} });
  }
  host.emit(events);
  if (p.registersWith !== undefined) {
    if (host.boundDriver(p) !== p.registersWith) {
      unbindDevice(host, p);
      bindDevice(host, p, p.registersWith);
    }
    if (!host.isRegistered(p)) registerParent(host, p);
    return;
  }
  registerParent(host, p);
}

/** Unregisters a parent: rmmod for a module's device, unbind for a css subchannel. */
export function unplugParent(host: SimHost, p: ParentProfile): void {
  if (!host.isRegistered(p)) throw new Error(`parent ${p.name} is not registered`);
  if (p.registersWith !== undefined) {
    unbindDevice(host, p);
    return;
  }
  unregisterParent(host, p);
  afterGvtUnplug(host, p);
  if (p.module) {
    const devpath = host.devpathOf(host.parentDir(p));
    removeParentDevice(host, p);
    host.emit([{ action: 'remove', devpath, subsystem: subsystemName(p), env: {} }]);
    const drv = host.driver(p);
    const stillUsed = host.manifest.parents.some((o) => o !== p && o.driver === p.driver && host.isRegistered(o));
    if (!stillUsed) removeTree(host.mdevDriverDir(drv));
  }
}
