// Which APQNs (adapter × usage domain) of a device another device or the host already has: one
// line per APQN and holder. Control domains never conflict (several guests may administer the
// same domain). Pure functions over matrices and masks.

import { apqns, formatApqn, type ApMatrix } from './apqn.js';
import type { HostMasks, OtherDevice } from './host-state.js';

const order = (a: [number, number, string], b: [number, number, string]): number =>
  a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

/** The APQNs both matrices hold. */
export function sharedApqns(a: ApMatrix, b: ApMatrix): Array<[number, number]> {
  const adapters = new Set(b.adapters);
  const domains = new Set(b.domains);
  return apqns(a).filter(([x, y]) => adapters.has(x) && domains.has(y));
}

/**
 * One line per APQN of `mine` that another device also holds, by APQN then uuid:
 * `APQN AA.DDDD <verb> <uuid>` (verb e.g. `is already in use by running device`).
 */
export function deviceConflicts(mine: ApMatrix, others: readonly OtherDevice[], verb: string): string[] {
  const hits: Array<[number, number, string]> = [];
  for (const other of others) for (const [a, d] of sharedApqns(mine, other.matrix)) hits.push([a, d, other.uuid]);
  return hits.sort(order).map(([a, d, uuid]) => `APQN ${formatApqn(a, d)} ${verb} ${uuid}`);
}

/** The APQNs of `mine` the host keeps (adapter in apmask and domain in aqmask). */
export function hostOwned(mine: ApMatrix, masks: HostMasks): Array<[number, number]> {
  return sharedApqns(mine, { adapters: masks.apmask, domains: masks.aqmask, controls: [] });
}

/** One line per APQN of `mine` the host masks keep. */
export function maskConflicts(mine: ApMatrix, masks: HostMasks, verb: string): string[] {
  return hostOwned(mine, masks).map(([a, d]) => `APQN ${formatApqn(a, d)} ${verb} ${masks.source}`);
}
