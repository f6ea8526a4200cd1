// Built-in plugin for s390 vfio-ap crypto passthrough (parent `matrix`, type
// `vfio_ap-passthrough`): mdevctl calls the default export with the plugin's options
// (`lockWaitMs`) from its configuration file, and the run's environment: the wait for
// s390-tools' lock happens while mdevctl holds its own definitions lock, so it never lasts
// longer than MDEVCTL_LOCK_WAIT lets others wait for that one (default 120 s).

import type { MdevctlPlugin, PluginConfiguration, PluginEnvironment } from '@mdevctl/plugin-sdk';
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

/** MDEVCTL_LOCK_WAIT's seconds as ms (unset or empty: its default, 120 s; core refuses a bad one). */
export function definitionsLockWaitMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env['MDEVCTL_LOCK_WAIT']?.trim() ?? '';
  const seconds = text === '' ? 120 : Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.floor(seconds * 1000) : 0;
}

export default function createPlugin(options: VfioApOptions = {}, environment?: PluginEnvironment): MdevctlPlugin {
  if (environment === undefined) return new VfioApPlugin(options);
  const cap = definitionsLockWaitMs(environment.env);
  return new VfioApPlugin({ ...options, lockWaitMs: Math.min(options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, cap) });
}
