// @mdevctl/plugin-sdk: the only package a plugin imports. The contract (model, contexts, hooks,
// listing, errors, the plugin interface and SDK_VERSION), the scoping of a plugin's hooks and the
// diagnostics list core and the test harness share, the device-backend seam (DeviceBackend: a
// plugin's parents, types and devices, and its changes), the mdev bus's write side and a
// cross-process FileLock for backends; test helpers are in
// `@mdevctl/plugin-sdk/testing`.

export * from './model.js';
export * from './context.js';
export * from './hooks.js';
export * from './listing.js';
export * from './errors.js';
export * from './plugin.js';
export * from './backend.js';
export * from './device-backend.js';
export * from './options.js';
export * from './scope.js';
export { DiagnosticList } from './diagnostics.js';
export { FileLock, discard as discardPath } from './file-lock.js';
export { writeAll, writeWhole, shortWriteError } from './write-all.js';
export * from './placement.js';
