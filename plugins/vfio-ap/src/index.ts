// Built-in plugin for s390 vfio-ap crypto passthrough (parent `matrix`, type
// `vfio_ap-passthrough`): mdevctl calls the default export with the plugin's options
// (`lockWaitMs`) from its configuration file.

import type { MdevctlPlugin, PluginConfiguration } from '@mdevctl/plugin-sdk';
import { DEFAULT_LOCK_WAIT_MS, VfioApPlugin, type VfioApOptions } from './plugin.js';

export { VfioApPlugin, PLUGIN_NAME, DEFAULT_LOCK_WAIT_MS, type VfioApOptions } from './plugin.js';
export { AP_LOCK_FILE, ApConfigLock, LockBusyError } from './lock.js';
export { AP_UDEV_RULE } from './udev-rule.js';
export { parseId } from './apqn.js';

/** The options the plugin takes from the configuration file. */
export const configuration: PluginConfiguration = {
  lockWaitMs: {
    type: 'integer',
    min: 0,
    default: DEFAULT_LOCK_WAIT_MS,
    description: "How long to wait for s390-tools' AP configuration lock held by another process (ms)",
  },
};

export default function createPlugin(options: VfioApOptions = {}): MdevctlPlugin {
  return new VfioApPlugin(options);
}
