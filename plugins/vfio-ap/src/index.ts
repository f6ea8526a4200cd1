// Built-in plugin for s390 vfio-ap crypto passthrough (parent `matrix`, type
// `vfio_ap-passthrough`): mdevctl calls the default export with the plugin's options
// (`lockWaitMs`) from its configuration file.

import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { VfioApPlugin, type VfioApOptions } from './plugin.js';

export { VfioApPlugin, PLUGIN_NAME, DEFAULT_LOCK_WAIT_MS, type VfioApOptions } from './plugin.js';
export { AP_LOCK_FILE, ApConfigLock, LockBusyError } from './lock.js';
export { AP_UDEV_RULE } from './udev-rule.js';
export { parseId } from './apqn.js';

export default function createPlugin(options: VfioApOptions = {}): MdevctlPlugin {
  return new VfioApPlugin(options);
}
