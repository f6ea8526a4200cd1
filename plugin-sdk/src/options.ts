// The options a plugin takes from mdevctl's configuration file, declared by the plugin (as yarn
// berry plugins declare their `configuration`): name, type, default, description. A plugin
// package exports its declarations as `configuration` beside its default export (the factory);
// core checks the configuration file's options against them and gives the factory the options
// with the defaults filled in.

import type { PluginOptions } from './plugin.js';

/** One option a plugin takes. */
export type OptionDeclaration =
  | {
      /** A whole number, from `min` to `max` when given (milliseconds, counts). */
      readonly type: 'integer';
      readonly description: string;
      readonly default?: number;
      readonly min?: number;
      readonly max?: number;
    }
  | { readonly type: 'string'; readonly description: string; readonly default?: string }
  | { readonly type: 'boolean'; readonly description: string; readonly default?: boolean };

/** A plugin's option declarations, by option name. */
export type PluginConfiguration = Readonly<Record<string, OptionDeclaration>>;

/**
 * Why `options` do not fit the declarations (one line naming the option), or undefined: every
 * option declared, of its type and range.
 */
export function pluginOptionsProblem(configuration: PluginConfiguration, options: PluginOptions): string | undefined {
  const known = Object.keys(configuration);
  for (const [name, value] of Object.entries(options)) {
    const d = Object.hasOwn(configuration, name) ? configuration[name] : undefined;
    if (d === undefined) {
      return known.length === 0 ? 'the plugin takes no options' : `unknown option ${JSON.stringify(name)} (known: ${known.join(', ')})`;
    }
    const problem = valueProblem(d, value);
    if (problem !== undefined) return `option ${JSON.stringify(name)} must be ${problem}, not ${JSON.stringify(value) ?? String(value)}`;
  }
  return undefined;
}

/** The options with each declared default filled in where the option is not given. */
export function withDefaults(configuration: PluginConfiguration, options: PluginOptions): PluginOptions {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(configuration)) if (d.default !== undefined) out[name] = d.default;
  return { ...out, ...options };
}

function valueProblem(d: OptionDeclaration, value: unknown): string | undefined {
  switch (d.type) {
    case 'integer': {
      const range = d.min !== undefined && d.max !== undefined ? ` from ${d.min} to ${d.max}` : d.min !== undefined ? ` from ${d.min}` : d.max !== undefined ? ` up to ${d.max}` : '';
      const ok = typeof value === 'number' && Number.isInteger(value) && (d.min === undefined || value >= d.min) && (d.max === undefined || value <= d.max);
      return ok ? undefined : `a whole number${range}`;
    }
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
  }
}
