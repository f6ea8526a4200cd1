// The package's entry: mdevctl imports it and calls the default export with the plugin's
// options from its configuration file, e.g. `{"plugins": {"@example/mdevctl-plugin-mdpy": {"maxDefined": 2}}}`.

import type { MdevctlPlugin, PluginConfiguration } from '@mdevctl/plugin-sdk';
import { ExampleMdpyPlugin, type ExampleOptions } from './plugin.js';

/** The options this plugin takes: mdevctl checks the configuration file against them and fills in the defaults. */
export const configuration: PluginConfiguration = {
  maxDefined: { type: 'integer', min: 1, default: 4, description: 'How many mdpy devices may be defined at once' },
};

export { ExampleMdpyPlugin, PLUGIN_NAME, type ExampleOptions } from './plugin.js';

export default function createPlugin(options: ExampleOptions = {}): MdevctlPlugin {
  return new ExampleMdpyPlugin(options);
}
