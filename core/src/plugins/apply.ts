// Applies plugins to the hooks, each through its own scoped view: refuses one without a name or
// apply(), one built for an incompatible SDK (another major, or a newer minor, version) and a
// second plugin of the same name, and one whose name is not one line of printable text (every
// later message names the plugin: a newline there would forge a line of stderr), and names the
// plugin when its apply() throws.

import { sdkVersionProblem, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { CORE_TAP } from '../lifecycle/builtin/plugin.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { pluginView } from './scope.js';
import { textSafe } from '../output/escape.js';

export function applyPlugins(hooks: CoreHooks, plugins: readonly MdevctlPlugin[]): void {
  // Every plugin is checked before any taps: a refused one leaves no other plugin half applied.
  const names = new Set<string>();
  for (const plugin of plugins) {
    const name = typeof plugin?.name === 'string' && plugin.name !== '' ? textSafe(plugin.name) : '(unnamed)';
    if (name !== plugin.name && name !== '(unnamed)') {
      throw new MdevctlError(`Plugin ${name}: a plugin's name must be one line of printable text`);
    }
    if (typeof plugin?.apply !== 'function') throw new MdevctlError(`Plugin ${name} has no apply() function`);
    if (name === '(unnamed)') throw new MdevctlError('A plugin has no name');
    const problem = sdkVersionProblem(plugin.sdkVersion);
    if (problem !== undefined) throw new MdevctlError(`Plugin ${name} ${problem}`);
    if (name === CORE_TAP) throw new MdevctlError(`Plugin ${name}: the name is mdevctl's own; choose another`);
    if (names.has(name)) throw new MdevctlError(`Plugin ${name} is loaded twice (two plugins have this name)`);
    names.add(name);
  }
  for (const plugin of plugins) {
    try {
      plugin.apply(pluginView(hooks, plugin));
    } catch (err) {
      throw new MdevctlError(`Plugin ${plugin.name} failed to load: ${firstLine(messageOf(err))}`, { cause: err });
    }
  }
}
