// Applies plugins to the hooks: refuses one built for another SDK major version, and names the
// plugin when its apply() throws.

import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { MdevctlError, messageOf } from '../model/errors.js';

export function applyPlugins(hooks: MdevctlHooks, plugins: readonly MdevctlPlugin[]): void {
  for (const plugin of plugins) {
    const name = typeof plugin?.name === 'string' ? plugin.name : '(unnamed)';
    if (typeof plugin?.apply !== 'function') throw new MdevctlError(`Plugin ${name} has no apply() function`);
    if (major(plugin.sdkVersion) !== major(SDK_VERSION)) {
      throw new MdevctlError(
        `Plugin ${name} was built for plugin SDK ${String(plugin.sdkVersion)}, but this mdevctl provides SDK ${SDK_VERSION}`,
      );
    }
    try {
      plugin.apply(hooks);
    } catch (err) {
      throw new MdevctlError(`Plugin ${name} failed to load: ${messageOf(err)}`, { cause: err });
    }
  }
}

function major(version: unknown): string | undefined {
  return typeof version === 'string' ? version.split('.')[0] : undefined;
}
