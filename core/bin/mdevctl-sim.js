#!/usr/bin/env node
// mdevctl-sim: builds and drives a simulated mdev host (see `mdevctl-sim --help`).
'use strict';

require('./launch.cjs').launch('mdevctl-sim', 'sim/cli.js', (m) => m.main(process.argv.slice(2)));
