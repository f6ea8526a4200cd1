// The plugins shipped with mdevctl, on by default. The configuration file can turn each off by
// name and give it options (those the plugin declares in its `configuration` export); policies
// reach the plugin they concern.

import { withDefaults, type MdevctlPlugin, type PluginConfiguration, type PluginEnvironment, type PluginOptions } from '@mdevctl/plugin-sdk';
import createMtty, { configuration as mttyOptions } from '@mdevctl/plugin-mtty';
import createI915, { configuration as i915Options } from '@mdevctl/plugin-i915-gvtg';
import createCcw, { configuration as ccwOptions } from '@mdevctl/plugin-vfio-ccw';
import createAp, { configuration as apOptions } from '@mdevctl/plugin-vfio-ap';
import createNvidia, { configuration as nvidiaOptions } from '@mdevctl/plugin-nvidia-vgpu';
import createCallouts, { configuration as calloutsOptions } from '@mdevctl/plugin-callouts';
import type { Policies } from '../config/settings.js';

export interface BuiltinPlugin {
  /** The plugin's name (as its `name`), the key that turns it off in the configuration file. */
  readonly name: string;
  /** The options the configuration file may give it, as the plugin declares them. */
  readonly configuration: PluginConfiguration;
  /** Makes the plugin from checked options (defaults filled in: withDefaults). */
  create(options: PluginOptions, policies: Policies, environment: PluginEnvironment): MdevctlPlugin;
}

export const BUILTIN_PLUGINS: readonly BuiltinPlugin[] = [
  { name: 'mtty', configuration: mttyOptions, create: () => createMtty() },
  { name: 'i915-gvtg', configuration: i915Options, create: () => createI915() },
  { name: 'vfio-ccw', configuration: ccwOptions, create: () => createCcw() },
  // Its wait for s390-tools' lock is bounded by MDEVCTL_LOCK_WAIT too (it holds ours meanwhile).
  { name: 'vfio-ap', configuration: apOptions, create: (options, _policies, environment) => createAp(options, environment) },
  { name: 'nvidia-vgpu', configuration: nvidiaOptions, create: (options) => createNvidia(options) },
  {
    name: 'callouts',
    configuration: calloutsOptions,
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
  return BUILTIN_PLUGINS.map((b) => b.create(withDefaults(b.configuration, {}), {}, environment));
}

/** The environment of a plugin run by this process as it stands (process.env, process.stderr). */
export function processEnvironment(): PluginEnvironment {
  return { env: process.env, writeStderr: (text) => void process.stderr.write(text) };
}
