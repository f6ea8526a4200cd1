// The plugins shipped with mdevctl, on by default.

import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import createMtty from '@mdevctl/plugin-mtty';
import createI915 from '@mdevctl/plugin-i915-gvtg';
import createCcw from '@mdevctl/plugin-vfio-ccw';
import createAp from '@mdevctl/plugin-vfio-ap';

export function builtinPlugins(): MdevctlPlugin[] {
  return [createMtty(), createI915(), createCcw(), createAp()];
}
