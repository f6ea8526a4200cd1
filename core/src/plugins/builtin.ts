// The plugins shipped with mdevctl, on by default. The configuration file can turn each off by
// name and give it options (only those listed here); policies reach the plugin they concern.

import type { MdevctlPlugin, PluginEnvironment, PluginOptions } from '@mdevctl/plugin-sdk';
import createMtty from '@mdevctl/plugin-mtty';
import createI915 from '@mdevctl/plugin-i915-gvtg';
import createCcw from '@mdevctl/plugin-vfio-ccw';
import createAp from '@mdevctl/plugin-vfio-ap';
import createCallouts from '@mdevctl/plugin-callouts';
import type { Policies } from '../config/settings.js';

export interface BuiltinPlugin {
  /** The plugin's name (as its `name`), the key that turns it off in the configuration file. */
  readonly name: string;
  /** The options the configuration file may give it. */
  readonly options: readonly string[];
  create(options: PluginOptions, policies: Policies, environment: PluginEnvironment): MdevctlPlugin;
}

export const BUILTIN_PLUGINS: readonly BuiltinPlugin[] = [
  { name: 'mtty', options: [], create: () => createMtty() },
  { name: 'i915-gvtg', options: [], create: () => createI915() },
  { name: 'vfio-ccw', options: [], create: () => createCcw() },
  { name: 'vfio-ap', options: ['lockWaitMs'], create: (options) => createAp(options) },
  {
    name: 'callouts',
    options: ['timeoutMs'],
    // policies.calloutTimeoutMs wins over the plugin's own option (and MDEVCTL_CALLOUT_TIMEOUT_MS over both).
    create: (options, policies, environment) =>
      createCallouts(
        {
          ...options,
          ...(policies.calloutTimeoutMs !== undefined ? { timeoutMs: policies.calloutTimeoutMs } : {}),
        },
        environment,
      ),
  },
];

/** Every built-in plugin with its default options, in this process's environment. */
export function builtinPlugins(environment: PluginEnvironment = processEnvironment()): MdevctlPlugin[] {
  return BUILTIN_PLUGINS.map((b) => b.create({}, {}, environment));
}

/** The environment of a plugin run by this process as it stands (process.env, process.stderr). */
export function processEnvironment(): PluginEnvironment {
  return { env: process.env, writeStderr: (text) => void process.stderr.write(text) };
}
