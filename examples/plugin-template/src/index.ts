// The package's entry: mdevctl imports it and calls the default export with the plugin's
// options from its configuration file, e.g. `{"plugins": {"@example/mdevctl-plugin-mdpy": {"maxDefined": 2}}}`.

import type { MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { ExampleMdpyPlugin, type ExampleOptions } from './plugin.js';

export { ExampleMdpyPlugin, PLUGIN_NAME, type ExampleOptions } from './plugin.js';

export default function createPlugin(options: ExampleOptions = {}): MdevctlPlugin {
  return new ExampleMdpyPlugin(options);
}
