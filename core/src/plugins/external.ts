// Imports the external plugins the configuration file names (only then: nothing is imported on a
// host without them) and makes each plugin from its module's default export — a factory called
// with the plugin's options and the run's environment (env, stderr), or a plugin object. A module
// that exports `configuration` (its option declarations) has its options checked against them
// and gets the declared defaults. Every
// failure names the plugin (an import or a factory whose promise never settles too:
// lifecycle/unsettled.ts).

import { pathToFileURL } from 'node:url';
import { pluginOptionsProblem, withDefaults, type MdevctlPlugin, type PluginConfiguration, type PluginEnvironment, type PluginOptions } from '@mdevctl/plugin-sdk';
import type { ExternalPluginRef } from '../config/settings.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { foreign } from '../lifecycle/unsettled.js';

export async function loadExternalPlugins(refs: readonly ExternalPluginRef[], environment: PluginEnvironment): Promise<MdevctlPlugin[]> {
  const plugins: MdevctlPlugin[] = [];
  for (const ref of refs) plugins.push(await loadOne(ref, environment));
  return plugins;
}

async function loadOne(ref: ExternalPluginRef, environment: PluginEnvironment): Promise<MdevctlPlugin> {
  const fail = (detail: string, cause?: unknown) =>
    new MdevctlError(`Plugin ${ref.specifier} failed to load: ${detail}`, cause === undefined ? undefined : { cause });
  let exported: unknown;
  let declared: unknown;
  try {
    const module = (await foreign('its import', import(pathToFileURL(ref.file).href))) as { default?: unknown; configuration?: unknown };
    exported = module.default;
    declared = module.configuration;
  } catch (err) {
    throw fail(firstLine(messageOf(err)), err);
  }
  let options: PluginOptions = ref.options;
  if (declared !== undefined) {
    if (typeof declared !== 'object' || declared === null) throw fail('its "configuration" export is not an object of option declarations');
    const problem = pluginOptionsProblem(declared as PluginConfiguration, ref.options);
    if (problem !== undefined) throw fail(problem);
    options = withDefaults(declared as PluginConfiguration, ref.options);
  }
  if (isPlugin(exported)) {
    if (Object.keys(ref.options).length > 0) throw fail('it exports a plugin object, which takes no options');
    return exported;
  }
  if (typeof exported !== 'function') {
    throw fail(`${ref.file} has no default export that is a plugin or a function returning one`);
  }
  let made: unknown;
  try {
    made = await foreign(
      'its factory',
      (exported as (options: PluginOptions, environment: PluginEnvironment) => unknown)(options, environment),
    );
  } catch (err) {
    throw fail(firstLine(messageOf(err)), err);
  }
  if (!isPlugin(made)) throw fail('its factory returned no plugin (an object with name, sdkVersion and apply())');
  return made;
}

function isPlugin(value: unknown): value is MdevctlPlugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MdevctlPlugin).name === 'string' &&
    typeof (value as MdevctlPlugin).apply === 'function'
  );
}
