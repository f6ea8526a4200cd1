// Built-in plugin for Intel GVT-g virtual GPUs (types `i915-GVTg_V<gen>_<n>` on a PCI parent).
// It claims those devices; type-specific validation is added by the vendor-plugins work.

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';

export class I915GvtgPlugin implements MdevctlPlugin {
  readonly name = 'i915-gvtg';
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { types: (type: string) => /^i915-GVTg_V\d+_\d+$/.test(type) };

  apply(_hooks: MdevctlHooks): void {
    // No taps yet.
  }
}

export default function createPlugin(): MdevctlPlugin {
  return new I915GvtgPlugin();
}
