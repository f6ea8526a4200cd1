// Core's taps on the placement hooks (they run last, stage 100, so a plugin answers first):
// - room: the kernel's available_instances, read as if a parent's types shared one pool in
//   proportion (a device of a type with n instances available takes 1/n of what is free) — exact
//   for one type and for the proportional pools of mdpy, mbochs, mtty and GVT-g, on the safe side
//   otherwise; a stopped device gives back one instance of its own type;
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
  const capOf = (type: string) => {
    const info = q.types.find((t) => t.type === type);
    const freed = q.removing.filter((d) => d.type === type).length;
    return info === undefined ? freed : Math.max(0, info.availableInstances) + freed;
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
