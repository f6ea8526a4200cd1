// Built-in plugin for Intel GVT-g virtual GPUs (types `i915-GVTg_V<gen>_<n>` on a PCI parent):
// checks the parent, says what keeps GVT-g off when a GPU shows no types, lists each type's
// resources with `types -x`, and explains the kernel's refusals. See ../README.md.

import type { MdevctlPlugin, PluginConfiguration } from '@mdevctl/plugin-sdk';
import { I915GvtgPlugin } from './plugin.js';

export { I915GvtgPlugin, GVT_TYPE } from './plugin.js';
export { PLUGIN_NAME } from './checks.js';
export { parseVgpuDescription, type VgpuResources } from './description.js';

/** The options the plugin takes from the configuration file: none. */
export const configuration: PluginConfiguration = {};

export default function createPlugin(): MdevctlPlugin {
  return new I915GvtgPlugin();
}
