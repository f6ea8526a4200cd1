// @mdevctl/plugin-callouts: runs the call-out and notifier scripts written for upstream mdevctl,
// unchanged (upstream's man page, "CALLOUT SCRIPTS"; SPEC §4, §8).
//
// The contract, in short. Every script gets `-t TYPE -e EVENT -a ACTION -s STATE -u UUID -p PARENT`
// and the device config (compact JSON: mdev_type, start, attrs) on stdin. Call-outs come from
// ROOT/usr/lib/mdevctl/scripts.d/callouts, then ROOT/etc/mdevctl.d/scripts.d/callouts, each dir in
// name order; notifiers likewise from .../notifiers. Events: `pre` before the primary action of
// define/undefine/modify/start/stop (exit 2 = not my type, 0 = go on, other = abort unless
// --force), `post` after it (state success/failure, result ignored), `notify` to every notifier
// after post or after a failed pre (result ignored), `live` for modify --live, `get attributes`
// (empty stdin; stdout a JSON array of one-key objects) for list and define -u, and `get
// capabilities` (stdin {"provides":…}) to find the versioned script of a parent/type, which then
// handles all its events. A script's stderr is echoed as `name: line`. A script that outlives the
// timeout is killed and counts as failed; one that cannot be run is reported and skipped.
//
// The timeout: env MDEVCTL_CALLOUT_TIMEOUT_MS, else the `timeoutMs` option, else 30000 ms.

import type { MdevctlPlugin, PluginConfiguration, PluginEnvironment } from '@mdevctl/plugin-sdk';
import { CalloutsPlugin } from './plugin.js';
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, timeoutFromEnv, type CalloutsOptions } from './options.js';

export { CalloutsPlugin, CalloutError, PLUGIN_NAME } from './plugin.js';
export { TIMEOUT_ENV, DEFAULT_TIMEOUT_MS, type CalloutsOptions } from './options.js';

/** The options the plugin takes from the configuration file (writeStderr is for direct callers only). */
export const configuration: PluginConfiguration = {
  timeoutMs: {
    type: 'integer',
    min: 1,
    max: MAX_TIMEOUT_MS,
    default: DEFAULT_TIMEOUT_MS,
    description: 'How long one call-out or notifier script may run before it is killed (ms)',
  },
};

/**
 * The plugin as core loads it, given the run's environment: MDEVCTL_CALLOUT_TIMEOUT_MS, when
 * set, wins over `timeoutMs`; scripts' stderr goes to the run's stderr unless `writeStderr` is
 * given. Without an environment (a plain call) nothing is read and stderr is discarded.
 */
export default function createPlugin(options: CalloutsOptions = {}, environment?: PluginEnvironment): MdevctlPlugin {
  const writeStderr = options.writeStderr ?? environment?.writeStderr ?? (() => undefined);
  return new CalloutsPlugin({ ...options, writeStderr, timeoutMs: timeoutFromEnv(environment?.env ?? {}) ?? options.timeoutMs });
}
