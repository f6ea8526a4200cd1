// mtty's answer to placement.room: its types share the parent's 24 ports (mtty-1 takes one,
// mtty-2 two), so a device planned of one type leaves less room for the other.

import { sharedPoolRoom, type PlacementRoomQuery } from '@mdevctl/plugin-sdk';
import { TOTAL_PORTS, portsOf } from './ports.js';

export function mttyRoom(q: PlacementRoomQuery): number | undefined {
  if (portsOf(q.type) === undefined) return undefined;
  const used = q.active.reduce((sum, d) => sum + (portsOf(d.type) ?? 0), 0);
  return sharedPoolRoom(q, Math.max(0, TOTAL_PORTS - used), portsOf);
}
