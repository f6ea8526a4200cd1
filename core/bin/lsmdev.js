#!/usr/bin/env node
// lsmdev: list mediated devices (the same as `mdevctl list`).
'use strict';

require('./launch.cjs').launch('mdevctl', 'cli/main.js', (m) => m.main(process.argv.slice(2), undefined, { program: 'lsmdev' }), 'lsmdev');
