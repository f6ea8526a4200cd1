// @mdevctl/plugin-sdk: the only package a plugin imports.

export * from './model.js';
export * from './context.js';
export * from './hooks.js';
export * from './plugin.js';
