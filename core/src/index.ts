// mdevctl as a library: the application facade, the host, the configuration, and the SDK types.

export { Mdevctl, type MdevctlOptions, type ListOptions, type TypesOptions } from './app.js';
export { HostPaths } from './host/paths.js';
export { Host } from './host/host.js';
export { Transaction, type IntentRecord } from './lifecycle/transaction.js';
export { createHooks, type CoreHooks } from './lifecycle/hooks.js';
export { pluginView } from './plugins/scope.js';
export { StderrLogger, parseLogLevel } from './host/log.js';
export { MdevctlError, UsageError, ValidationFailed } from './model/errors.js';
export { parseUuid } from './model/uuid.js';
export { nameProblem, attributeValueProblem, NAME_MAX } from './model/names.js';
export { parseDeviceConfig, parseDeviceConfigBytes, formatConfig, MAX_CONFIG_BYTES, type DeviceConfig } from './model/device-config.js';
export { prettyJson, obj, type Json, type JsonObject } from './output/json.js';
export { textSafe, wellFormed } from './output/escape.js';
export { loadSettings, type LoadOptions } from './config/load.js';
export { findConfigFile, SEARCH_PLACES, CONFIG_ENV } from './config/places.js';
export { ConfigError } from './config/schema.js';
export { DEFAULT_SETTINGS, type Settings, type Policies, type ExternalPluginRef } from './config/settings.js';
export { BUILTIN_PLUGINS, type BuiltinPlugin } from './plugins/builtin.js';
export { resolvePlugin, pluginSearchDirs } from './plugins/resolve.js';
export * from '@mdevctl/plugin-sdk';
export { proportionalRoom } from './desired/policies.js';
export { formatStep } from './desired/format.js';
export { globRegExp } from './desired/select.js';
export {
  diffDefinitions, diffDevices, matches, type DefinitionState, type DevicesSnapshot, type DefinitionsSnapshot, type MonitorEvent, type EventKind,
} from './monitor/events.js';
export { formatEventJson, formatEventText } from './monitor/format.js';
export { domainsOf, udevadmArgs, UeventSource } from './monitor/sources.js';
export { Monitor, type MonitorOptions } from './monitor/monitor.js';
export { type WatchedBackend } from './monitor/backends.js';
