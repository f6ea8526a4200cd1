// The validate stage for vendor-VFIO vGPUs (seen only for the devices the plugin claims: a VF
// parent and an `nvidia-<id>` type):
// - start: the VF must be free and list the type now (the message names what runs there, or which
//   GPU's catalogue changed); the physical GPU must not end up with two time-sliced types unless it
//   is in heterogeneous mode (mixing.ts) — for `mdevctl apply` this sees the whole plan, as
//   ctx.host is the host after the plan;
// - stop: refused while a process (a VM) holds the VF's vfio files open.
// Nothing here writes.

import type { Diagnostics, LifecycleContext } from '@mdevctl/plugin-sdk';
import { lists } from './gpu.js';
import { vfioHolder } from './holders.js';
import { mixProblems, type VfChange } from './mixing.js';
import { typeId, typeName } from './names.js';
import type { VgpuScan } from './scan.js';
import { holderLine } from './backend.js';

export const PLUGIN_NAME = 'nvidia-vgpu';

export interface CheckOptions {
  readonly heterogeneous: ReadonlySet<string> | 'all';
}

export function checkVgpu(ctx: LifecycleContext, out: Diagnostics, scan: VgpuScan, options: CheckOptions): void {
  const device = ctx.device;
  if (device === undefined) return;
  if (ctx.action === 'stop') {
    const vf = ctx.active?.parent ?? device.parent;
    if (!scan.isVf(vf)) return;
    const holder = vfioHolder(scan.root, vf);
    if (holder !== undefined) out.error(PLUGIN_NAME, holderLine(vf, holder));
    return;
  }
  if (ctx.action !== 'start') return;
  const id = typeId(device.type);
  const s = scan.state(device.parent);
  if (id === undefined || s === undefined) return; // core names an unknown parent or type
  const runningHere = ctx.active?.uuid === device.uuid;
  if (!runningHere) {
    // The VF as it will stand (for a plan, ctx.host is the host after it: a vGPU it stops first is gone).
    const others = ctx.host.activeDevices({ parent: device.parent }).filter((d) => d.uuid !== device.uuid);
    if (others[0] !== undefined) {
      out.error(PLUGIN_NAME, `${device.parent} already runs a vGPU (${others[0].type}, uuid ${others[0].uuid}): a VF holds one vGPU; use another VF of ${s.gpu}`);
    } else if (s.current === 0 && !lists(s, id)) {
      const running = scan.siblings(s.gpu).filter((v) => v.current !== 0 && v.current !== undefined).length;
      out.error(
        PLUGIN_NAME,
        `${device.parent} does not list ${device.type} among its creatable vGPU types now` +
          (running > 0 ? ` (${running} vGPU${running === 1 ? ' runs' : 's run'} on its physical GPU ${s.gpu}, which narrows what fits)` : ` (its physical GPU ${s.gpu} runs no vGPU: the type is not one this GPU offers)`),
      );
    }
  }
  // The GPU after this start (and, for a plan, after the whole plan: ctx.host is projected).
  const changes: VfChange[] = [];
  const onGpu = new Set(scan.siblings(s.gpu).map((v) => v.vf));
  for (const v of onGpu) {
    const planned = ctx.host.activeDevices({ parent: v });
    const t = planned[0] !== undefined ? typeId(planned[0].type) : 0;
    changes.push({ vf: v, id: t ?? 0 });
  }
  const i = changes.findIndex((c) => c.vf === device.parent);
  if (i >= 0) changes[i] = { vf: device.parent, id };
  for (const p of mixProblems(scan.siblings(s.gpu), changes, (g) => scan.names(g), options.heterogeneous)) out.error(PLUGIN_NAME, p);
}
