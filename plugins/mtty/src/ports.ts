// mtty's port pool: the sample driver has 24 serial ports (MAX_MTTYS) shared by all its devices;
// an `mtty-<n>` device takes n of them (mtty-1: one, mtty-2: two).

import type { HostView } from '@mdevctl/plugin-sdk';

export const TOTAL_PORTS = 24;

/** Ports one device of the type takes, or undefined for a type that is not `mtty-<n>`. */
export function portsOf(type: string): number | undefined {
  const m = /^mtty-([1-9]\d*)$/.exec(type);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** Ports the running devices of the parent take. */
export function usedPorts(host: HostView, parent: string): number {
  return host.activeDevices({ parent }).reduce((sum, d) => sum + (portsOf(d.type) ?? 0), 0);
}

export function freePorts(host: HostView, parent: string): number {
  return Math.max(0, TOTAL_PORTS - usedPorts(host, parent));
}
