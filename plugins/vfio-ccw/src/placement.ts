// vfio-ccw's answer to placement.room: a subchannel holds one mediated device, whatever else
// the plan starts or stops on it.

import type { PlacementRoomQuery } from '@mdevctl/plugin-sdk';

export function ccwRoom(q: PlacementRoomQuery): number {
  const staying = q.active.filter((a) => !q.removing.some((r) => r.uuid === a.uuid)).length;
  const registered = q.types.some((t) => t.type === q.type);
  return registered && staying + q.adding.length === 0 ? 1 : 0;
}
