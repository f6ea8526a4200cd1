// Built-in plugin for s390 vfio-ccw I/O subchannels (parent `0.0.xxxx`, type `vfio_ccw-io`).
// It claims those devices; subchannel checks are added by the vendor-plugins work.

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';

export class VfioCcwPlugin implements MdevctlPlugin {
  readonly name = 'vfio-ccw';
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { types: ['vfio_ccw-io'] };

  apply(_hooks: MdevctlHooks): void {
    // No taps yet.
  }
}

export default function createPlugin(): MdevctlPlugin {
  return new VfioCcwPlugin();
}
