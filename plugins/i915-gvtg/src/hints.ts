// What the kernel's refusals usually mean for a GVT-g vGPU (query.explainRefusal).
//
// create: ENOSPC when the GPU's graphics memory (aperture or high) or fence registers left cannot
// hold the type — all types of a GPU share them; ENODEV, or ENOENT (no `create` file), when the GPU
// stopped being an mdev parent since the checks ran (kvmgt unloaded, GPU unbound). Attributes: vGPUs have no writable sysfs attributes.

import type { KernelRefusal, QueryContext } from '@mdevctl/plugin-sdk';

export function explainGvtRefusal(refusal: KernelRefusal, ctx: QueryContext): string | undefined {
  const gpu = refusal.device.parent;
  switch (refusal.operation) {
    case 'create':
      if (refusal.code === 'ENOSPC') {
        const running = ctx.host.activeDevices({ parent: gpu }).filter((d) => d.uuid !== refusal.device.uuid).length;
        return `${gpu} has too little graphics memory or too few fence registers left for ${refusal.device.type} (${running} vGPU${running === 1 ? '' : 's'} running); all GVT-g types of a GPU share them: stop a vGPU or use a smaller type (the _8 types take least)`;
      }
      if (refusal.code === 'ENODEV' || refusal.code === 'ENOENT') {
        return `${gpu} is no longer a GVT-g parent (kvmgt unloaded or the GPU unbound from i915)`;
      }
      return undefined;
    case 'attribute':
      return `GVT-g vGPUs have no writable sysfs attributes; drop '${refusal.attribute ?? ''}' from the definition`;
    case 'remove':
      return undefined;
  }
}
