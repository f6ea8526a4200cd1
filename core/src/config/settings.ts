// mdevctl's own settings, as read from its configuration file (see core/CONFIGURATION.md): which
// plugins run with which options, and policies. Without a file, the defaults below apply.

import type { PluginOptions } from '@mdevctl/plugin-sdk';

export interface Policies {
  /** How long one call-out or notifier script may run (ms); passed to the call-out plugin. */
  readonly calloutTimeoutMs?: number;
}

/** An external plugin named in the configuration file, with the module file it resolved to. */
export interface ExternalPluginRef {
  /** As written in the file: a package name or a path. */
  readonly specifier: string;
  /** The absolute path of the module to import. */
  readonly file: string;
  readonly options: PluginOptions;
}

export interface Settings {
  /** The configuration file they come from; undefined for the defaults. */
  readonly file?: string;
  /** Built-in plugins the file mentions: false = turned off, else the options for its factory. */
  readonly builtins: ReadonlyMap<string, PluginOptions | false>;
  /** External plugins, in the order of the file. */
  readonly external: readonly ExternalPluginRef[];
  readonly policies: Policies;
}

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  builtins: new Map<string, PluginOptions | false>(),
  external: [],
  policies: {},
});
