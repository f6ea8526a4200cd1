// What the placement hooks give a plugin (since SDK 1.3): `mdevctl apply` places the devices a
// desired-state file asks for by count onto the parents that may host them. `room` says how many
// more devices of a type a parent holds, given what the plan already starts and stops there (core
// answers from available_instances; a vendor plugin answers where its hardware shares a pool);
// `choose` picks the parent of the next device for a placement policy (core's: spread, pack,
// one-type-per-parent; a plugin may answer for a policy name of its own).

import type { ActiveDevice, MdevTypeInfo } from './model.js';

/** Asked of `placement.room`: how many more devices of `type` fit on `parent`. */
export interface PlacementRoomQuery {
  readonly parent: string;
  readonly type: string;
  /** The parent's types, with the available instances the kernel reports now. */
  readonly types: readonly MdevTypeInfo[];
  /** The devices running on the parent now (including those in `removing`). */
  readonly active: readonly ActiveDevice[];
  /** The running devices of the parent the plan stops before it starts any device. */
  readonly removing: readonly ActiveDevice[];
  /** The types of the devices the plan starts on the parent before this one, in order. */
  readonly adding: readonly string[];
}

/** A parent a placement may use for the next device. */
export interface PlacementCandidate {
  readonly parent: string;
  /** The mdev type the device gets on this parent (a request by type `name` may differ per parent). */
  readonly type: string;
  /** How many more devices of the type fit (from `placement.room`); always at least 1 here. */
  readonly room: number;
  /**
   * How many devices of this request the parent holds already (kept or placed); for a parent
   * that is part of a placement group (a VF of a physical GPU: `DeviceDiscovery.placementGroup`),
   * how many the whole group holds.
   */
  readonly placed: number;
  /** The types the parent (or its whole placement group) will run, after what the plan decided so far (sorted, unique). */
  readonly types: readonly string[];
  /** The placement group the parent counts in (since SDK 1.4): its backend's `placementGroup`, else the parent itself. */
  readonly group?: string;
}

/** Asked of `placement.choose`: where the next device of a counted request goes. */
export interface PlacementStep {
  /** The request's `placement` (a policy name). */
  readonly policy: string;
  /** The request's name (as the file gives it, or its type). */
  readonly request: string;
  /** Which device of the request (0-based) and how many the request asks for. */
  readonly index: number;
  readonly count: number;
  /** Every parent that may take it, in the order the file's parent list or selector gives. */
  readonly candidates: readonly PlacementCandidate[];
}

/**
 * The room on a parent whose types share one pool, each device of a type taking `costOf(type)`
 * units, with `free` units free now: what a vendor plugin's `placement.room` tap usually returns.
 * A type without a cost (undefined) fits nowhere.
 */
export function sharedPoolRoom(query: PlacementRoomQuery, free: number, costOf: (type: string) => number | undefined): number {
  const cost = costOf(query.type);
  if (cost === undefined || !(cost > 0)) return 0;
  let units = free;
  for (const d of query.removing) units += costOf(d.type) ?? 0;
  for (const t of query.adding) units -= costOf(t) ?? Number.POSITIVE_INFINITY;
  return Math.max(0, Math.floor(units / cost));
}
