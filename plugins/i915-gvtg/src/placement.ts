// GVT-g's answer to placement.room: the vGPU types of a GPU share its graphics memory, each
// device taking its type's low_gm_size (from the type's description); what is free is the most
// any type's available instances still stand for.

import { sharedPoolRoom, type PlacementRoomQuery } from '@mdevctl/plugin-sdk';
import { parseVgpuDescription } from './description.js';

export function gvtRoom(q: PlacementRoomQuery): number | undefined {
  const cost = new Map<string, number>();
  for (const t of q.types) {
    const r = parseVgpuDescription(t.description);
    if (r !== undefined && r.lowGmMb > 0) cost.set(t.type, r.lowGmMb);
  }
  if (!cost.has(q.type)) return undefined;
  const free = Math.max(0, ...q.types.map((t) => t.availableInstances * (cost.get(t.type) ?? 0)));
  return sharedPoolRoom(q, free, (type) => cost.get(type));
}
