#!/usr/bin/env node
// mdevctl: manage Linux mediated devices. (lsmdev when invoked under that name.)
'use strict';

require('./launch.cjs').launch('mdevctl', 'cli/main.js', (m) => m.main(process.argv.slice(2)), process.argv[2]);
