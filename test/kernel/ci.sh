#!/usr/bin/env bash
# CI step (after `npm test`): the real-kernel tests, `npm run test:kernel`, with their timings.
# Skipped with one line where a qemu guest cannot be had at all (no qemu-system-x86_64 and no way
# to fetch it: not root, or no apt-get; or not a Debian host). Host tools the machine lacks are
# unpacked into the tests' cache dir by build.sh (host-tools.sh), never apt-get installed. Where it can, any failure —
# including build.sh finding a package missing — fails CI (CI=true makes an unavailable guest a
# failure in the test itself). Two stages, one guest boot each: the kernel stage
# (kernel.test.js) and the libvirt stage (libvirt.test.js, issue 18: Debian 13's libvirt driving
# our mdevctl and Debian's 1.4.0; its root file system is built once by libvirt-rootfs.sh and
# cached). It cannot hang: qemu runs under a hard timeout (MDEV_VM_TIMEOUT, default 900 s for the
# kernel stage and 1500 s for the libvirt one; coreutils `timeout` kills it even if node dies), and
# the whole step under 50 min. Each stage prints its own `N passed, N failed` line.
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  echo "test:kernel: SKIPPED — $* (the real-kernel tests need qemu-system-x86_64, or root and apt-get to fetch and unpack it into the tests' cache dir)"
  exit 0
}
command -v dpkg-deb >/dev/null || skip "not a Debian host (no dpkg-deb)"
if ! command -v qemu-system-x86_64 >/dev/null; then
  command -v apt-get >/dev/null || skip "qemu-system-x86_64 is missing and there is no apt-get"
  [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null || skip "qemu-system-x86_64 is missing and this is not root"
fi

t0=$(date +%s)
status=0
timeout -k 30 3000 npm run test:kernel || status=$?
echo "test:kernel: the kernel and libvirt stages took $(($(date +%s) - t0)) s (exit $status)"
exit "$status"
