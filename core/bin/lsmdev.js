#!/usr/bin/env node
// lsmdev: list mediated devices (the same as `mdevctl list`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2), process, { program: 'lsmdev' });
