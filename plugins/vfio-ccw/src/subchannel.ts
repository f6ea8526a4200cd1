// Subchannel bus ids and their driver binding, as the css bus shows them in sysfs.
//
// The kernel names an I/O subchannel `<cssid>.<ssid>.<schno>` in lower-case hex without leading
// zeros in the first two parts (`0.0.0313`; `fe.3.ffff` at most): cssid 0..fe, ssid 0..3, schno
// four digits. Its driver shows as `DRIVER=` in sys/bus/css/devices/<id>/uevent; a subchannel is an
// mdev parent only while bound to vfio_ccw (the `driverctl` command of the s390 article binds it).

import type { DeviceClaim, HostView } from '@mdevctl/plugin-sdk';

export const VFIO_CCW_DRIVER = 'vfio_ccw';
export const CCW_TYPE = 'vfio_ccw-io';

/** Dot-separated words (`0.0.0313`, `0.0.313`, `0.4.0313.0`): what someone meaning a subchannel writes. */
const SUBCHANNEL_LIKE = /^[0-9a-z]+(?:\.[0-9a-z]+)+$/i;

/**
 * The plugin's devices (SPEC §8: by parent and type): vfio_ccw-io on a subchannel-like parent; a
 * malformed id among those is refused. vfio_ccw-io under another parent is not its business.
 */
export const CCW_CLAIM: DeviceClaim = { parents: (parent: string) => SUBCHANNEL_LIKE.test(parent), types: [CCW_TYPE] };

const BUS_ID = /^(0|[1-9a-f][0-9a-f]?)\.[0-3]\.[0-9a-f]{4}$/;

/** Why `id` cannot be a subchannel bus id, or undefined when it can. */
export function subchannelIdProblem(id: string): string | undefined {
  if (BUS_ID.test(id)) return undefined;
  const hint = BUS_ID.test(id.toLowerCase()) ? ` (the kernel writes it in lower case: '${id.toLowerCase()}')` : '';
  return `Invalid subchannel id '${id}': a vfio_ccw-io parent is a subchannel bus id cssid.ssid.schno in hex, like 0.0.0313${hint}`;
}

/** The binding of a subchannel: absent (no such subchannel), unbound, or the driver's name. */
export type Binding = { readonly present: false } | { readonly present: true; readonly driver?: string };

export function binding(host: HostView, id: string): Binding {
  const uevent = host.readFile(`sys/bus/css/devices/${id}/uevent`);
  if (uevent === undefined) return { present: false };
  const driver = /^DRIVER=(.+)$/m.exec(uevent)?.[1]?.trim();
  return driver ? { present: true, driver } : { present: true };
}

/** The command that binds the subchannel to vfio_ccw now and at every boot (the s390 article). */
export function driverctlCommand(id: string): string {
  return `driverctl -b css set-override ${id} ${VFIO_CCW_DRIVER}`;
}

/**
 * The problem with a present subchannel's binding, or undefined when it is bound to vfio_ccw:
 * for a start (it cannot), or for a definition (it cannot start until bound).
 */
export function bindingProblem(id: string, b: Binding, when: 'start' | 'define'): string | undefined {
  if (!b.present || b.driver === VFIO_CCW_DRIVER) return undefined;
  const now = b.driver !== undefined ? `is bound to ${b.driver}` : 'is not bound to any driver';
  const fix = when === 'start' ? 'bind it with' : 'its devices cannot start until it is bound';
  return `Subchannel ${id} ${now}, not ${VFIO_CCW_DRIVER}; ${fix}: ${driverctlCommand(id)}`;
}
