#!/usr/bin/env node
// mdevctl: manage Linux mediated devices. (lsmdev when invoked under that name.)
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
