// Built-in plugin for s390 vfio-ccw I/O subchannels (parent `0.0.xxxx`, type `vfio_ccw-io`):
// checks subchannel ids, the vfio_ccw binding at start (with the driverctl command that fixes it)
// and one device per subchannel, and explains the kernel's refusals. See ../README.md.

import type { MdevctlPlugin, PluginConfiguration } from '@mdevctl/plugin-sdk';
import { VfioCcwPlugin } from './plugin.js';

export { VfioCcwPlugin, CCW_TYPE } from './plugin.js';
export { PLUGIN_NAME } from './checks.js';
export { subchannelIdProblem, driverctlCommand } from './subchannel.js';

/** The options the plugin takes from the configuration file: none. */
export const configuration: PluginConfiguration = {};

export default function createPlugin(): MdevctlPlugin {
  return new VfioCcwPlugin();
}
