// Checks the shape of a configuration file's content and turns it into Settings. Every problem
// is one line naming the file and the setting; external plugins are resolved to their module
// file here (by the resolver given), so a plugin that cannot be found is a configuration error.
//
//   { "plugins": { "<built-in name>": false | true | {options},
//                  "<package name or path>": true | {options} },
//     "policies": { "calloutTimeoutMs": <whole ms> } }

import { pluginOptionsProblem, type PluginConfiguration, type PluginOptions } from '@mdevctl/plugin-sdk';
import { MdevctlError } from '../model/errors.js';
import type { ExternalPluginRef, Policies, Settings } from './settings.js';

/** A problem with the configuration file: `Invalid configuration file <file>: <detail>`. */
export class ConfigError extends MdevctlError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`Invalid configuration file ${file}: ${detail}`);
  }
}

/** What the schema knows of the built-in plugins: their names and the options each declares. */
export interface BuiltinInfo {
  readonly name: string;
  readonly configuration: PluginConfiguration;
}

/** Finds an external plugin's module file; throws an Error whose message says why it cannot. */
export type PluginResolver = (specifier: string) => string;

const TOP_LEVEL = ['plugins', 'policies'];
const POLICIES = ['calloutTimeoutMs'];
/** setTimeout's limit (about 24.8 days). */
const MAX_TIMEOUT_MS = 2_147_483_647;

export function parseSettings(raw: unknown, file: string, builtins: readonly BuiltinInfo[], resolve: PluginResolver): Settings {
  const fail = (detail: string): never => {
    throw new ConfigError(file, detail);
  };
  if (raw === undefined || raw === null) return { file, builtins: new Map(), external: [], policies: {} };
  const top = record(raw) ?? fail('expected an object with "plugins" and/or "policies"');
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL.includes(key)) fail(`unknown setting ${JSON.stringify(key)} (known: ${TOP_LEVEL.join(', ')})`);
  }
  const builtinMap = new Map<string, PluginOptions | false>();
  const external: ExternalPluginRef[] = [];
  if (top['plugins'] !== undefined) {
    const plugins = record(top['plugins']) ?? fail('"plugins" must be an object of plugin names (or paths) to true, false or options');
    for (const [key, value] of Object.entries(plugins)) {
      const where = `plugins[${JSON.stringify(key)}]`;
      const builtin = builtins.find((b) => b.name === key);
      if (builtin) {
        builtinMap.set(key, value === false ? false : checkOptions(value, where, builtin, fail));
        continue;
      }
      if (value === false) {
        fail(`${where}: there is no built-in plugin of this name to turn off (built-in: ${builtins.map((b) => b.name).join(', ')})`);
      }
      const options = checkOptions(value, where, undefined, fail);
      let resolved: string;
      try {
        resolved = resolve(key);
      } catch (err) {
        return fail(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      }
      external.push({ specifier: key, file: resolved, options });
    }
  }
  return { file, builtins: builtinMap, external, policies: parsePolicies(top['policies'], fail) };
}

function checkOptions(value: unknown, where: string, builtin: BuiltinInfo | undefined, fail: (d: string) => never): PluginOptions {
  if (value === true) return {};
  const options = record(value) ?? fail(`${where} must be true, false or an object of options`);
  if (builtin) {
    const problem = pluginOptionsProblem(builtin.configuration, options);
    if (problem !== undefined) fail(`${where}: ${problem.replace(/^the plugin /, `the built-in plugin ${builtin.name} `)}`);
  }
  return options;
}

function parsePolicies(value: unknown, fail: (d: string) => never): Policies {
  if (value === undefined) return {};
  const policies = record(value) ?? fail('"policies" must be an object');
  for (const key of Object.keys(policies)) {
    if (!POLICIES.includes(key)) fail(`unknown policy ${JSON.stringify(key)} (known: ${POLICIES.join(', ')})`);
  }
  const timeout = policies['calloutTimeoutMs'];
  if (timeout === undefined) return {};
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_MS) {
    fail(`"policies.calloutTimeoutMs" must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, not ${JSON.stringify(timeout)}`);
  }
  return { calloutTimeoutMs: timeout as number };
}

/** The value as a plain object (JSON/YAML/JS object literal), else undefined. */
function record(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null ? (value as Record<string, unknown>) : undefined;
}
