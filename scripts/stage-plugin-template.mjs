#!/usr/bin/env node
// Copies the plugin template (examples/plugin-template) into core/plugin-template, which the
// package ships for `mdevctl plugin-init`. Run by `npm pack` (core's prepack script) after the
// documents are generated; the copy is not kept in git. What a build or an install of the
// template makes (node_modules, dist, package-lock.json) is left out.
//
// Usage: node scripts/stage-plugin-template.mjs

import { cpSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../examples/plugin-template', import.meta.url));
const to = fileURLToPath(new URL('../core/plugin-template', import.meta.url));
const skip = new Set(['node_modules', 'dist', 'package-lock.json']);

rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (src) => !skip.has(relative(from, src).split('/')[0] ?? '') });
console.log(`staged ${to}`);
