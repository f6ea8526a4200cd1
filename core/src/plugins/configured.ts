// The plugins of one mdevctl run, from its settings: the built-in ones not turned off (with their
// declared options, checked by config/schema.ts, with their defaults, and policies), then the external ones the configuration file names.

import { withDefaults, type MdevctlPlugin, type PluginEnvironment } from '@mdevctl/plugin-sdk';
import type { Settings } from '../config/settings.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { BUILTIN_PLUGINS } from './builtin.js';
import { loadExternalPlugins } from './external.js';

export async function configuredPlugins(
  settings: Settings,
  options: { builtins: boolean; environment: PluginEnvironment },
): Promise<MdevctlPlugin[]> {
  const plugins: MdevctlPlugin[] = [];
  if (options.builtins) {
    for (const builtin of BUILTIN_PLUGINS) {
      const pluginOptions = settings.builtins.get(builtin.name);
      if (pluginOptions === false) continue;
      try {
        plugins.push(builtin.create(withDefaults(builtin.configuration, pluginOptions ?? {}), settings.policies, options.environment));
      } catch (err) {
        throw new MdevctlError(`Plugin ${builtin.name} failed to load: ${firstLine(messageOf(err))}`, { cause: err });
      }
    }
  }
  plugins.push(...(await loadExternalPlugins(settings.external, options.environment)));
  return plugins;
}
