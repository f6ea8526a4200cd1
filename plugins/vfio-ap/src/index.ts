// Built-in plugin for s390 vfio-ap crypto passthrough (parent `matrix`, type
// `vfio_ap-passthrough`). It claims those devices; APQN checks are added by the vendor-plugins work.

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';

export class VfioApPlugin implements MdevctlPlugin {
  readonly name = 'vfio-ap';
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { parents: ['matrix'], types: ['vfio_ap-passthrough'] };

  apply(_hooks: MdevctlHooks): void {
    // No taps yet.
  }
}

export default function createPlugin(): MdevctlPlugin {
  return new VfioApPlugin();
}
