// `list -x`, `types -x` (and their --dumpjson): which physical GPU a VF belongs to, the type's
// short profile name, whether it is time-sliced or MIG-backed, and the GPU's mode as mdevctl sees it.

import type { DeviceListing, TypeListing } from '@mdevctl/plugin-sdk';
import { gpuMode } from './mixing.js';
import { isMigBacked, shortName, typeId } from './names.js';
import type { VgpuScan } from './scan.js';
import type { CheckOptions } from './checks.js';

export const FIELD = 'nvidia_vgpu';

export function listVgpuType(listing: TypeListing, scan: VgpuScan, options: CheckOptions): void {
  const t = listing.type;
  const s = scan.state(t.parent);
  if (s === undefined) return;
  const mode = gpuMode(s.gpu, scan.siblings(s.gpu), scan.names(s.gpu), options.heterogeneous);
  const kind = t.name === undefined ? undefined : isMigBacked(t.name) ? 'MIG-backed' : 'time-sliced';
  listing.line(`Physical GPU: ${s.gpu} (${mode})`);
  if (t.name !== undefined) listing.line(`Profile: ${shortName(t.name)}${kind ? `, ${kind}` : ''}`);
  listing.field(FIELD, {
    physical_gpu: s.gpu,
    type_id: typeId(t.type) ?? null,
    ...(t.name !== undefined ? { profile: shortName(t.name) } : {}),
    ...(kind !== undefined ? { kind } : {}),
    gpu_mode: mode,
  });
}

export function listVgpuDevice(listing: DeviceListing, scan: VgpuScan): void {
  const d = listing.device;
  const s = scan.state(d.parent);
  if (s === undefined) return;
  const run = scan.running().find((r) => r.vf === d.parent);
  listing.line(`Physical GPU: ${s.gpu}`);
  if (run !== undefined && run.uuid === d.uuid) {
    listing.line(run.recorded ? 'uuid: recorded by mdevctl at start' : 'uuid: derived from the VF address (started by another tool)');
  }
  listing.field(FIELD, { physical_gpu: s.gpu, vf: d.parent, ...(run !== undefined && run.uuid === d.uuid ? { uuid_recorded: run.recorded } : {}) });
}
