// Built-in plugin for the kernel's mtty sample driver (parent `mtty`, types `mtty-1`/`mtty-2`).
// It claims those devices; type-specific validation is added by the vendor-plugins work.

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';

export class MttyPlugin implements MdevctlPlugin {
  readonly name = 'mtty';
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { types: (type: string) => type.startsWith('mtty-') };

  apply(_hooks: MdevctlHooks): void {
    // No taps yet: mtty devices need nothing beyond core's checks.
  }
}

export default function createPlugin(): MdevctlPlugin {
  return new MttyPlugin();
}
