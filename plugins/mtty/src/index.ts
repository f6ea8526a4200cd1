// Built-in plugin for the kernel's mtty sample driver (parent `mtty`, types `mtty-1`/`mtty-2`
// sharing 24 ports): ports in `types -x` and `list -x`, the QEMU option of a running device, and
// what an ENOSPC from the kernel means. See ../README.md.

import type { MdevctlPlugin, PluginConfiguration } from '@mdevctl/plugin-sdk';
import { MttyPlugin } from './plugin.js';

export { MttyPlugin, PLUGIN_NAME } from './plugin.js';
export { TOTAL_PORTS, portsOf } from './ports.js';
export { qemuArgs } from './listing.js';

/** The options the plugin takes from the configuration file: none. */
export const configuration: PluginConfiguration = {};

export default function createPlugin(): MdevctlPlugin {
  return new MttyPlugin();
}
