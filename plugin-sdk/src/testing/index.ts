// @mdevctl/plugin-sdk/testing: run a plugin as mdevctl does, on a host made of plain data, so a
// vendor's tests need nothing but the SDK and node:test.

export { createTestHarness, type TestHarness, type HarnessOptions, type RunOptions, type ListingResult, type RecordingLogger } from './harness.js';
export { testHost, type TestHostData } from './host.js';
export { TestHook } from './hooks.js';
