#!/usr/bin/env bash
# Builds (or reuses) the libvirt root file system of the real-kernel tests' libvirt stage (issue
# 18): Debian 13 (trixie) from the host's own apt mirror by debootstrap (minbase), with libvirt's
# monolithic daemon, its node-device driver, virsh, udev, procps and kmod, plus Debian's mdevctl
# 1.4.0 unpacked under /opt/mdevctl-1.4.0 (not on any default PATH: the reference the stage
# compares with). Packed as an ext4 image the guest boots from a virtio disk (read-only for the
# image: qemu runs it with snapshot=on). Where trixie cannot be had, Debian 12 (bookworm, libvirt
# 9.0.0, no mdevctl 1.4.0) is built instead and the manifest says so.
#
# Usage: test/kernel/libvirt-rootfs.sh     prints the image path (last line of stdout)
#   MDEV_VM_CACHE=dir     cache root (default /tmp/mdev-vm): <cache>/libvirt-rootfs.img, .txt
#   MDEV_VM_REBUILD=1     rebuild even when the cache is valid
#   LIBVIRT_SUITE=bookworm  build the fallback on purpose
# debootstrap is not installed: its .deb is fetched with apt-get download and unpacked into the
# cache. Needs root (debootstrap, chroot), mkfs.ext4 with -d (e2fsprogs >= 1.43) and the network.
# Exit status: 0 ready; 3 unavailable here (not root, no mirror, neither suite builds); else failure.
set -euo pipefail

CACHE=${MDEV_VM_CACHE:-/tmp/mdev-vm}
IMG=$CACHE/libvirt-rootfs.img
MANIFEST=$CACHE/libvirt-rootfs.txt
T0=$(date +%s%N)
log() { local ms=$((($(date +%s%N) - T0) / 1000000)); printf 'libvirt-rootfs.sh [%d.%ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2; }
die() { echo "libvirt-rootfs.sh: error: $*" >&2; exit 1; }
unavailable() { echo "libvirt-rootfs.sh: unavailable: $*" >&2; exit 3; }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

[ "$(id -u)" = 0 ] || unavailable "not root (debootstrap and chroot need root)"
command -v dpkg-deb >/dev/null || unavailable "no dpkg-deb (not a Debian host)"
command -v apt-get >/dev/null || unavailable "no apt-get"
command -v mkfs.ext4 >/dev/null || unavailable "no mkfs.ext4"

STAMP="recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16) suite=${LIBVIRT_SUITE:-trixie}"
if [ "${MDEV_VM_REBUILD:-0}" != 1 ] && [ -f "$IMG" ] && [ -f "$MANIFEST" ] && [ "$(head -n1 "$MANIFEST")" = "$STAMP" ]; then
  log "cached libvirt root file system $IMG is up to date ($(sed -n 's/^suite=//p' "$MANIFEST"))"
  echo "$IMG"
  exit 0
fi

# The host's Debian mirror: the first deb URI of sources.list(.d) that is not a security archive.
mirror() {
  {
    { cat /etc/apt/sources.list 2>/dev/null || true; } | sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([a-z]\+:\/\/[^ ]*\).*/\2/p'
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
    { cat /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([a-z]\+:\/\/[^ ]*\).*/\2/p'
  } | grep -E '/debian/?$' | grep -v -- '-security' | head -n1 || true
}
MIRROR=${LIBVIRT_MIRROR:-$(mirror)}
[ -n "$MIRROR" ] || unavailable "no Debian mirror in /etc/apt/sources.list(.d)"
log "mirror $MIRROR"

WORK=$CACHE/libvirt-build
rm -f "$MANIFEST"
umount_all() { for m in dev/pts dev proc sys; do mountpoint -q "$WORK/root/$m" 2>/dev/null && umount -l "$WORK/root/$m"; done; return 0; }
trap umount_all EXIT
umount_all
rm -rf "$WORK"
mkdir -p "$WORK/debs"
chmod 0777 "$WORK/debs"

# debootstrap itself, unpacked (not installed).
(cd "$WORK/debs" && apt-get -qq download debootstrap >&2) || unavailable "apt-get download debootstrap failed"
dpkg-deb -x "$(ls "$WORK"/debs/debootstrap_*.deb | head -n1)" "$WORK/debootstrap"
export DEBOOTSTRAP_DIR=$WORK/debootstrap/usr/share/debootstrap
DEBOOTSTRAP=$WORK/debootstrap/usr/sbin/debootstrap

PKGS=(libvirt-daemon libvirt-clients udev procps kmod libstdc++6)
build() { # suite
  local suite=$1 R=$WORK/root
  umount_all
  rm -rf "$R"
  [ -e "$DEBOOTSTRAP_DIR/scripts/$suite" ] || { log "this debootstrap has no script for $suite"; return 1; }
  log "debootstrap --variant=minbase $suite"
  "$DEBOOTSTRAP" --variant=minbase "$suite" "$R" "$MIRROR" >"$WORK/debootstrap-$suite.log" 2>&1 ||
    { tail -5 "$WORK/debootstrap-$suite.log" >&2; return 1; }
  mount -t proc proc "$R/proc"
  mount -t sysfs sysfs "$R/sys"
  mount --bind /dev "$R/dev"
  mount --bind /dev/pts "$R/dev/pts"
  local extra=()
  [ "$suite" = bookworm ] || extra=(libvirt-daemon-driver-nodedev)
  log "apt-get install ${PKGS[*]} ${extra[*]}"
  chroot "$R" apt-get -qq -o APT::Sandbox::User=root update >&2 || return 1
  chroot "$R" apt-get -qq -o APT::Sandbox::User=root install -y --no-install-recommends "${PKGS[@]}" "${extra[@]}" \
    >"$WORK/install-$suite.log" 2>&1 || { tail -5 "$WORK/install-$suite.log" >&2; return 1; }
  if [ "$suite" != bookworm ]; then
    # Debian's mdevctl 1.4.0, unpacked off the default PATH.
    chroot "$R" sh -c 'cd /tmp && apt-get -qq -o APT::Sandbox::User=root download mdevctl' >&2 || return 1
    chroot "$R" sh -c 'dpkg-deb -x /tmp/mdevctl_*.deb /opt/mdevctl-1.4.0 && dpkg-deb -f /tmp/mdevctl_*.deb Version >/opt/mdevctl-1.4.0/VERSION && rm -f /tmp/mdevctl_*.deb' || return 1
    [ -x "$R/opt/mdevctl-1.4.0/usr/bin/mdevctl" ] || return 1
  fi
  umount_all
  return 0
}
SUITE=${LIBVIRT_SUITE:-trixie}
if ! build "$SUITE"; then
  [ "$SUITE" = bookworm ] && unavailable "debootstrap of bookworm failed (see $WORK)"
  log "Debian 13 (trixie) could not be built: falling back to Debian 12 (bookworm, libvirt 9.0.0)"
  SUITE=bookworm
  build bookworm || unavailable "neither trixie nor bookworm could be built from $MIRROR (see $WORK)"
fi
R=$WORK/root
chroot "$R" apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/locale/*
# What the stage needs at run time: mount points for our CLI and node, /dev/stdin for libvirt.
mkdir -p "$R/opt/mdevctl" "$R/opt/node" "$R/etc/mdevctl.d" "$R/run/libvirt"
ver() { chroot "$R" dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }
LIBVIRT_VER=$(ver libvirt-daemon)
MDEVCTL_VER=none
[ -f "$R/opt/mdevctl-1.4.0/VERSION" ] && MDEVCTL_VER=$(cat "$R/opt/mdevctl-1.4.0/VERSION")

size_mb=$(($(du -sm "$R" | cut -f1) * 13 / 10 + 64))
log "packing $IMG (${size_mb} MB ext4)"
rm -f "$IMG.tmp"
truncate -s "${size_mb}M" "$IMG.tmp"
mkfs.ext4 -q -F -L libvirt-root -d "$R" "$IMG.tmp" >&2 || die "mkfs.ext4 -d failed"
mv "$IMG.tmp" "$IMG"
{
  echo "$STAMP"
  echo "suite=$SUITE"
  echo "libvirt=$LIBVIRT_VER"
  echo "udev=$(ver udev)"
  echo "mdevctl-reference=$MDEVCTL_VER"
} >"$MANIFEST"
umount_all
rm -rf "$WORK"
log "libvirt root file system ready: $IMG ($SUITE, libvirt $LIBVIRT_VER, mdevctl reference $MDEVCTL_VER)"
echo "$IMG"
