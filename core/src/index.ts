// mdevctl as a library: the application facade, the host, and the SDK types.

export { Mdevctl, type MdevctlOptions, type ListOptions, type TypesOptions } from './app.js';
export { HostPaths } from './host/paths.js';
export { Host } from './host/host.js';
export { StderrLogger, parseLogLevel } from './host/log.js';
export { MdevctlError, UsageError, ValidationFailed } from './model/errors.js';
export { parseUuid } from './model/uuid.js';
export * from '@mdevctl/plugin-sdk';
