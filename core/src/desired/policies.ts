// Core's taps on the placement hooks (they run last, stage 100, so a plugin answers first):
// - room: the kernel's available_instances, read as if a parent's types shared one pool in
//   proportion (a device of a type with n instances available takes 1/n of what is free) — exact
//   for one type and for the proportional pools of mdpy, mbochs, mtty and GVT-g, on the safe side
//   otherwise; a stopped device gives back one instance of its own type, and a parent the plan
//   empties offers a type its description's `max_instance=N` (NVIDIA's vGPU types give it);
// - choose: the built-in policies. spread: round-robin, the candidate holding fewest devices of
//   the request (first in order on a tie); pack: the first candidate in order (fill one parent,
//   then the next); one-type-per-parent: only candidates that run no other type, then spread.
// A policy that finds no candidate fit answers '' (core then refuses the plan).

import type { PlacementCandidate, PlacementRoomQuery, PlacementStep } from '@mdevctl/plugin-sdk';
import type { CorePlacementHooks } from './hooks.js';

export const CORE_PLACEMENT = 'mdevctl';
const LAST = 100;

export function applyBuiltinPlacement(hooks: CorePlacementHooks): void {
  hooks.room.tap({ name: CORE_PLACEMENT, stage: LAST }, (q) => proportionalRoom(q));
  hooks.choose.tap({ name: CORE_PLACEMENT, stage: LAST }, (step) => builtinChoice(step));
}

export function proportionalRoom(q: PlacementRoomQuery): number {
  // A parent the plan empties (it stops every device running there) offers each type what an
  // empty parent does: its `max_instance=N` where the type's description gives it (NVIDIA's do),
  // since available_instances counts the devices still running.
  const removing = new Set(q.removing.map((d) => d.uuid));
  const emptied = q.removing.length > 0 && q.active.every((a) => removing.has(a.uuid));
  const capOf = (type: string) => {
    const info = q.types.find((t) => t.type === type);
    const freed = q.removing.filter((d) => d.type === type).length;
    const now = info === undefined ? freed : Math.max(0, info.availableInstances) + freed;
    const max = emptied ? maxInstance(info?.description) : undefined;
    return max !== undefined ? Math.max(now, max) : now;
  };
  const cap = capOf(q.type);
  if (cap <= 0) return 0;
  let used = 0;
  for (const t of q.adding) {
    const c = capOf(t);
    if (c <= 0) return 0;
    used += 1 / c;
  }
  return Math.max(0, Math.floor(cap * (1 - used) + 1e-9));
}

/** `max_instance=N` of a type's description (NVIDIA's vGPU types give it), if any. */
function maxInstance(description: string | undefined): number | undefined {
  const m = description === undefined ? null : /(?:^|[\s,])max_instance=(\d{1,6})(?:$|[\s,])/.exec(description);
  return m ? Number(m[1]) : undefined;
}

function builtinChoice(step: PlacementStep): string | undefined {
  switch (step.policy) {
    case 'spread':
      return spread(step.candidates);
    case 'pack':
      return step.candidates[0]?.parent ?? '';
    case 'one-type-per-parent':
      return spread(step.candidates.filter((c) => c.types.every((t) => t === c.type)));
    default:
      return undefined;
  }
}

function spread(candidates: readonly PlacementCandidate[]): string {
  let best: PlacementCandidate | undefined;
  for (const c of candidates) if (best === undefined || c.placed < best.placed) best = c;
  return best?.parent ?? '';
}
