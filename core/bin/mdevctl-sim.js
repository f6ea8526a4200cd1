#!/usr/bin/env node
// mdevctl-sim: builds and drives a simulated mdev host (see `mdevctl-sim --help`).
import { main } from '../dist/sim/cli.js';

process.exitCode = main(process.argv.slice(2));
