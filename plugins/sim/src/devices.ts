// Creating and removing one mdev: everything the kernel adds to sysfs for a device (its dir
// under the parent, links from the bus, the type and an iommu group) and takes away again,
// with the pool refreshed and the uevents logged in the kernel's order.

import { join } from 'node:path';
import type { SimErrnoCode } from './errno.js';
import { isDirectory, lexists, linkTo, listDir, makeDir, MODE_RO, MODE_RW, MODE_WO, putFile, removeTree } from './fsops.js';
import { UUID_RE, type SimHost, type Uevent } from './host.js';
import type { ParentProfile } from './profiles.js';
import { AP_CONFIG, formatApConfig, VFIO_AP_WRITABLE } from './vfio-ap.js';

const VFIO_MAJOR = '246';

/** Parses a write to `create`: 36 or 37 bytes, the first 36 a uuid in any case. */
export function parseCreate(data: string): string | undefined {
  const bytes = Buffer.from(data, 'utf8');
  if (bytes.length !== 36 && bytes.length !== 37) return undefined;
  const uuid = bytes.subarray(0, 36).toString('latin1').toLowerCase();
  return UUID_RE.test(uuid) ? uuid : undefined;
}

/** Whether a device with this (lower-case) uuid exists on any parent. */
export function uuidInUse(host: SimHost, uuid: string): boolean {
  if (lexists(host.busDeviceLink(uuid))) return true;
  return host.manifest.parents.some((p) => lexists(host.deviceDir(p, uuid)));
}

/** The lowest iommu group number not in use (mdevs and VFs alike). */
export function lowestFreeGroup(host: SimHost): number {
  const used = new Set(listDir(host.sysPath('kernel/iommu_groups')).map((n) => Number(n)));
  let n = 0;
  while (used.has(n)) n++;
  return n;
}

function groupOf(host: SimHost, uuid: string): number | undefined {
  for (const n of listDir(host.sysPath('kernel/iommu_groups'))) {
    if (lexists(host.sysPath(`kernel/iommu_groups/${n}/devices/${uuid}`))) return Number(n);
  }
  return undefined;
}

/** Writes `data` to the type's `create`: the kernel's checks, then the device. */
export function createDevice(host: SimHost, p: ParentProfile, type: string, data: string): SimErrnoCode | undefined {
  const uuid = parseCreate(data);
  if (uuid === undefined) return 'EINVAL';
  if (uuidInUse(host, uuid)) return 'EEXIST';
  const t = host.typeProfile(p, type);
  if (t === undefined) return 'ENODEV';
  if (host.available(p, type) < 1) {
    const errno = host.driver(p).exhaustion;
    // ENOSPC comes from the driver's probe, after the mdev core has registered the device (6.1
    // mdev_device_create: device_add, then the failed probe and device_del): the kernel emits
    // `add` then `remove` for the mdev's devpath, nothing for vfio. EUSERS is the mdev core's
    // max_instances check, before the device exists: no uevent.
    if (errno === 'ENOSPC') {
      const devpath = host.devpathOf(host.deviceDir(p, uuid));
      host.emit([
        { action: 'add', devpath, subsystem: 'mdev', env: {} },
        { action: 'remove', devpath, subsystem: 'mdev', env: {} },
      ]);
    }
    return errno;
  }
  buildDevice(host, p, type, uuid);
  host.refreshPool(p);
  return undefined;
}

function buildDevice(host: SimHost, p: ParentProfile, type: string, uuid: string): void {
  const drv = host.driver(p);
  const t = host.typeProfile(p, type);
  const dev = host.deviceDir(p, uuid);
  const group = lowestFreeGroup(host);
  const groupDir = host.sysPath(`kernel/iommu_groups/${group}`);

  makeDir(join(dev, 'power'));
  linkTo(join(dev, 'mdev_type'), host.typeDir(p, type));
  linkTo(join(dev, 'driver'), host.mdevDriverDir(drv));
  linkTo(join(dev, 'subsystem'), host.sysPath('bus/mdev'));
  linkTo(join(dev, 'iommu_group'), groupDir);
  putFile(join(dev, 'uevent'), `DRIVER=${drv.mdevDriver}\n`, MODE_RW);
  putFile(join(dev, 'remove'), '', MODE_WO);
  const vfioDev = join(dev, 'vfio-dev', `vfio${group}`);
  makeDir(join(vfioDev, 'power'));
  linkTo(join(vfioDev, 'device'), dev);
  putFile(join(vfioDev, 'uevent'), `MAJOR=${VFIO_MAJOR}\nMINOR=${group}\nDEVNAME=vfio/devices/vfio${group}\n`, MODE_RW);
  const files = { ...drv.deviceFiles, ...(t?.deviceFiles ?? {}) };
  for (const [rel, content] of Object.entries(files)) {
    putFile(join(dev, rel), content.replaceAll('{uuid}', uuid), MODE_RO);
  }
  if (drv.attributes === 'vfio_ap') {
    for (const attr of VFIO_AP_WRITABLE) putFile(join(dev, attr), '', MODE_WO);
    putFile(join(dev, AP_CONFIG), formatApConfig({ adapters: new Set(), domains: new Set(), controls: new Set() }), MODE_RW);
  }

  linkTo(join(groupDir, 'devices', uuid), dev);
  linkTo(join(host.typeDir(p, type), 'devices', uuid), dev);
  // Last: the device becomes visible on the bus only when complete.
  linkTo(host.busDeviceLink(uuid), dev);

  const devpath = host.devpathOf(dev);
  host.emit([
    { action: 'add', devpath, subsystem: 'mdev', env: {} },
    {
      action: 'add',
      devpath: `/devices/virtual/vfio/${group}`,
      subsystem: 'vfio',
      env: { DEVNAME: `vfio/${group}`, MAJOR: VFIO_MAJOR, MINOR: String(group) },
    },
    { action: 'add', devpath: `${devpath}/vfio-dev/vfio${group}`, subsystem: 'vfio-dev', env: {} },
    { action: 'bind', devpath, subsystem: 'mdev', env: { DRIVER: drv.mdevDriver } },
  ]);
}

/** Removes a device and everything its creation added; refreshes the pool. */
export function removeDevice(host: SimHost, p: ParentProfile, uuid: string): void {
  const dev = host.deviceDir(p, uuid);
  if (!isDirectory(dev)) return;
  const type = host.devices(p).find((d) => d.uuid === uuid)?.type;
  const group = groupOf(host, uuid);

  // First: gone from the bus, so no reader finds a half-removed device.
  removeTree(host.busDeviceLink(uuid));
  if (type !== undefined) removeTree(join(host.typeDir(p, type), 'devices', uuid));
  if (group !== undefined) removeTree(host.sysPath(`kernel/iommu_groups/${group}`));
  removeTree(dev);
  host.refreshPool(p);

  const devpath = host.devpathOf(dev);
  const events: Uevent[] = [];
  if (group !== undefined) {
    events.push(
      { action: 'remove', devpath: `${devpath}/vfio-dev/vfio${group}`, subsystem: 'vfio-dev', env: {} },
      {
        action: 'remove',
        devpath: `/devices/virtual/vfio/${group}`,
        subsystem: 'vfio',
        env: { DEVNAME: `vfio/${group}`, MAJOR: VFIO_MAJOR, MINOR: String(group) },
      },
    );
  }
  events.push(
    { action: 'unbind', devpath, subsystem: 'mdev', env: {} },
    { action: 'remove', devpath, subsystem: 'mdev', env: {} },
  );
  host.emit(events);
}
