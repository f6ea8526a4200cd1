// `mdevctl types -x` for GVT-g types: the resources the description lists, as lines and one JSON
// field, and the note that all types of a GPU draw on one pool (creating a vGPU of one type lowers
// the available instances of the others).

import type { QueryContext, TypeListing } from '@mdevctl/plugin-sdk';
import { parseVgpuDescription } from './description.js';

export const TYPE_FIELD = 'gvt_g';

export function listGvtType(listing: TypeListing, ctx: QueryContext): void {
  const t = listing.type;
  const res = parseVgpuDescription(t.description);
  const others = ctx.host
    .types(t.parent)
    .map((o) => o.type)
    .filter((o) => o !== t.type);
  if (res !== undefined) {
    listing.line(`Graphics memory: ${res.lowGmMb} MB low (aperture), ${res.highGmMb} MB high`);
    listing.line(`Fence registers: ${res.fences}`);
    listing.line(`Resolution: ${res.resolution}`);
    listing.line(`Weight: ${res.weight}`);
  }
  if (others.length > 0) {
    listing.line(
      `Shares graphics memory and fences with ${others.join(', ')}: a vGPU of any of them lowers the available instances of all`,
    );
  }
  listing.field(TYPE_FIELD, {
    ...(res !== undefined
      ? { low_gm_size_mb: res.lowGmMb, high_gm_size_mb: res.highGmMb, fence: res.fences, resolution: res.resolution, weight: res.weight }
      : {}),
    shares_pool_with: others,
  });
}
