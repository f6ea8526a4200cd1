// `-x` listings for mtty: per type, the ports one device takes and the ports left in the shared
// pool (`types -x`); per device, its ports and — while it runs — the QEMU option that passes it
// to a guest (`list -x`; the mtty notes: `-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/<uuid>`).

import { join } from 'node:path';
import type { DeviceListing, QueryContext, TypeListing } from '@mdevctl/plugin-sdk';
import { freePorts, portsOf, TOTAL_PORTS } from './ports.js';

export function listMttyType(listing: TypeListing, ctx: QueryContext): void {
  const t = listing.type;
  const ports = portsOf(t.type);
  if (ports === undefined) return;
  const free = freePorts(ctx.host, t.parent);
  const others = ctx.host
    .types(t.parent)
    .map((o) => o.type)
    .filter((o) => o !== t.type);
  const shared = others.length > 0 ? `, shared with ${others.join(', ')}` : '';
  listing.line(`Ports per device: ${ports}`);
  listing.line(`Ports free: ${free} of ${TOTAL_PORTS}${shared}`);
  listing.field('ports_per_device', ports);
  listing.field('ports_free', free);
  listing.field('ports_total', TOTAL_PORTS);
}

/** The QEMU arguments that give a guest the running device (its sysfs dir under the root). */
export function qemuArgs(root: string, uuid: string): [string, string] {
  return ['-device', `vfio-pci,sysfsdev=${join(root, 'sys/bus/mdev/devices', uuid)}`];
}

export function listMttyDevice(listing: DeviceListing, ctx: QueryContext): void {
  const d = listing.device;
  const ports = portsOf(d.type);
  if (ports !== undefined) {
    listing.line(`Ports: ${ports}`);
    listing.field('ports', ports);
  }
  const running = ctx.host.activeDevices({ uuid: d.uuid }).some((a) => a.parent === d.parent && a.type === d.type);
  if (!running) return;
  const args = qemuArgs(ctx.host.root, d.uuid);
  listing.line(`QEMU: ${args.join(' ')}`);
  listing.field('qemu', args);
}
