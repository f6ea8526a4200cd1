// The `mdevctl-sim` program's own entry, which the stand-in driver tools under a simulated root
// (usr/lib/nvidia/sriov-manage, usr/bin/nvidia-smi) run with node.

import { main } from './cli.js';

process.exitCode = main(process.argv.slice(2));
