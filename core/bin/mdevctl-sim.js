#!/usr/bin/env node
// mdevctl-sim: builds and drives a simulated mdev host (see `mdevctl-sim --help`). The simulator
// is its own package (@mdevctl/plugin-sim, plugins/sim); mdevctl's bundle holds none of it.
'use strict';

import('@mdevctl/plugin-sim').then((m) => {
  process.exitCode = m.main(process.argv.slice(2));
});
