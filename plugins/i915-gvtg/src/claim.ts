// Which devices the i915-gvtg plugin is about: a GVT-g type on a parent named like a PCI device
// (SPEC §8: by parent and type). A GVT-g type name under another parent (`mtty`, a subchannel) is
// not its business; a PCI-like name that is malformed (`0000:00:2.0`) is, and is refused.

import type { DeviceClaim } from '@mdevctl/plugin-sdk';

/** `i915-GVTg_V4_*` (Broadwell) and `i915-GVTg_V5_*` (Skylake and later). */
export const GVT_TYPE = /^i915-GVTg_V\d+_\d+$/;

/** `[domain:]bus:device.function` in any case and width: what someone meaning a PCI address writes. */
const PCI_LIKE = /^(?:[0-9a-z]+:)?[0-9a-z]+:[0-9a-z]+\.[0-9a-z]+$/i;

export const GVT_CLAIM: DeviceClaim = {
  parents: (parent: string) => PCI_LIKE.test(parent),
  types: (type: string) => GVT_TYPE.test(type),
};
