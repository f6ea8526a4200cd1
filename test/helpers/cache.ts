// The one cache dir of the tests, for what they fetch and never install: Debian's mdevctl 1.2.0
// and busybox (debian/), ansible-core (ansible/), other node versions (node/, test/node-lts.mjs),
// and the real-kernel stage's host tools (host-tools/, test/kernel/build.sh).
// $MDEVCTL_TEST_CACHE, else $XDG_CACHE_HOME/mdevctl-tests, else ~/.cache/mdevctl-tests. Not /tmp:
// what is unpacked there runs as root.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function testCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MDEVCTL_TEST_CACHE']) return env['MDEVCTL_TEST_CACHE'];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'mdevctl-tests');
}
