// `mdevctl list -x`: each vfio-ap device's APQN matrix — for a running device as its `matrix`
// and `control_domains` files say, for a definition as its attributes add up to — as text lines
// and as the JSON field `apqn_matrix` (ids in hex, as lszcrypt prints them).

import type { DeviceListing, HostView } from '@mdevctl/plugin-sdk';
import { apqns, formatAdapter, formatApqn, formatDomain, type ApMatrix } from './apqn.js';
import { checkAttributes } from './attributes.js';
import { activeMatrix, readLimits } from './host-state.js';

export const MATRIX_FIELD = 'apqn_matrix';

/** The matrix to show for the listed device. */
export function listedMatrix(listing: DeviceListing, host: HostView): ApMatrix {
  if (!listing.defined) {
    const live = activeMatrix(host, listing.device.uuid);
    if (live !== undefined) return live;
  }
  return checkAttributes(listing.device.attrs, readLimits(host), false).matrix;
}

const words = (items: string[]): string => (items.length === 0 ? 'none' : items.join(' '));

export function addMatrix(listing: DeviceListing, matrix: ApMatrix): void {
  const adapters = matrix.adapters.map(formatAdapter);
  const domains = matrix.domains.map(formatDomain);
  const controls = matrix.controls.map(formatDomain);
  const queues = apqns(matrix).map(([a, d]) => formatApqn(a, d));
  listing.line(`Adapters: ${words(adapters)}`);
  listing.line(`Usage domains: ${words(domains)}`);
  listing.line(`Control domains: ${words(controls)}`);
  listing.line(`APQNs: ${words(queues)}`);
  listing.field(MATRIX_FIELD, { adapters, usage_domains: domains, control_domains: controls, apqns: queues });
}
