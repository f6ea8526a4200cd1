// Runs shell commands in the guest, for debugging: node test/kernel/dist/shell.js 'CMDS…'
// (busybox sh, as root, our CLI at /opt/mdevctl and /usr/local/sbin/mdevctl, Debian's 1.2.0 at
// /usr/bin/mdevctl, the sample drivers loaded). Exits with the script's status.

import { buildGuest, runGuest } from './vm.js';

const cmds = process.argv.slice(2).join('\n');
if (cmds === '') {
  process.stderr.write("usage: node test/kernel/dist/shell.js 'CMDS…'\n");
  process.exit(2);
}
const built = await buildGuest();
if (!built.ok) {
  process.stderr.write(`${built.reason}\n`);
  process.exit(3);
}
const run = await runGuest(built.dir, `#!/bin/sh\ncd /opt/mdevctl || exit 125\nset -x\n${cmds}\n`);
process.exit(run.exit ?? 125);
