#!/usr/bin/env bash
# Builds (or reuses) the qemu guest of the real-kernel tests (issue 11):
#   Debian's 6.1 kernel (linux-image-<ABI>-amd64-unsigned), the sample mdev drivers mtty/mdpy/mbochs
#   from linux-source-6.1 built out of tree against linux-headers-<ABI>-amd64, and a gzip'd newc
#   initramfs with busybox (static), the vfio/mdev modules (and virtio_pci, virtio_blk, ext4 for
#   the libvirt stage's disk), node (this host's binary and its
#   libraries) and Debian's mdevctl 1.2.0 (the reference). Our CLI is not in it: the runner adds
#   it, and the test scripts, as a second cpio at every boot.
#
# Usage: test/kernel/build.sh            prints the guest dir (last line of stdout)
#   KABI=6.1.0-56        kernel ABI (default: what linux-headers-amd64 depends on)
#   MDEV_VM_CACHE=dir    cache root (default /tmp/mdev-vm); the guest is in <cache>/<ABI>/
#   MDEV_VM_REBUILD=1    rebuild even when the cache is valid
#   MDEV_VM_HOST_TOOLS=unpack  take qemu, gcc-12, make, xz from unpacked .debs even where installed
#                        (unpack=qemu-system-x86_64,make: only those)
# Host tools the machine lacks (qemu-system-x86, gcc-12, make, xz-utils and what they need) are
# fetched with apt-get download and unpacked into the tests' cache dir (host-tools.sh), never
# installed; <guest>/host-tools-path names their wrappers' dir for vm.ts (empty: the host's).
# Exit status: 0 ready; 3 unavailable here (no apt-get/dpkg-deb/qemu: the caller skips); else failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${MDEV_VM_CACHE:-/tmp/mdev-vm}
T0=$(date +%s%N)

log() { local ms=$((($(date +%s%N) - T0) / 1000000)); printf 'build.sh [%d.%ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }
unavailable() { echo "build.sh: unavailable: $*" >&2; exit 3; }

export DEBIAN_FRONTEND=noninteractive LC_ALL=C
SUDO=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); fi
fi
can_apt() { command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ ${#SUDO[@]} -gt 0 ]; }; }
APT_UPDATED=0
apt_update() {
  [ "$APT_UPDATED" = 1 ] && return 0
  log "apt-get update"
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 -qq update >&2 || return 1
  APT_UPDATED=1
}
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# --- 1. host tools -------------------------------------------------------------------------------
# The host's where it has them, else unpacked from Debian's .debs into the tests' cache dir
# (host-tools.sh): nothing is installed on the machine.
command -v dpkg-deb >/dev/null || unavailable "no dpkg-deb (not a Debian host)"
# shellcheck source=host-tools.sh
. "$HERE/host-tools.sh"
host_tools qemu-system-x86_64:qemu-system-x86 gcc-12:gcc-12 make:make xz:xz-utils gzip:gzip
command -v qemu-system-x86_64 >/dev/null || unavailable "qemu-system-x86_64 not found"
NODE=$(readlink -f "$(command -v node)")

# --- 2. which kernel -----------------------------------------------------------------------------
abi_from_apt() {
  apt-cache depends linux-headers-amd64 2>/dev/null |
    sed -n 's/^ *Depends: linux-headers-\([0-9][^ ]*\)-amd64$/\1/p' | head -n1
}
if [ -z "${KABI:-}" ]; then
  KABI=$(abi_from_apt)
  if [ -z "$KABI" ] && can_apt; then apt_update && KABI=$(abi_from_apt); fi
  if [ -z "$KABI" ]; then
    # Offline: the newest guest already built, if any.
    newest=$(ls -1dt "$CACHE"/*/READY 2>/dev/null | head -n1 || true)
    [ -n "$newest" ] || unavailable "cannot tell the kernel ABI (apt-cache knows no linux-headers-amd64) and no guest is cached in $CACHE"
    KABI=$(basename "$(dirname "$newest")")
    log "apt knows no linux-headers-amd64; using the cached guest $KABI"
  fi
fi
case "$KABI" in *[!0-9A-Za-z.+~-]*|'') die "bad KABI '$KABI'";; esac
KREL=$KABI-amd64
OUT=$CACHE/$KABI
mkdir -p "$OUT"

# The cache is valid while this recipe, the node binary and the kernel ABI are the same.
STAMP="recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16) node=$NODE:$(stat -c %s:%Y "$NODE") kabi=$KABI"
printf '%s\n' "$HOST_TOOLS_BIN" >"$OUT/host-tools-path"
if [ "${MDEV_VM_REBUILD:-0}" != 1 ] && [ -f "$OUT/READY" ] && [ "$(cat "$OUT/READY")" = "$STAMP" ]; then
  log "cached guest $OUT is up to date"
  echo "$OUT"
  exit 0
fi
rm -f "$OUT/READY"
log "building the guest for kernel $KREL in $OUT"

# --- 3. packages (apt-get download: nothing is installed) ----------------------------------------
DEBS=$OUT/debs
mkdir -p "$DEBS"
kver() { apt-cache show "linux-image-$KREL-unsigned" 2>/dev/null | sed -n 's/^Version: //p' | head -n1; }
VER=$(kver)
if [ -z "$VER" ] && can_apt; then apt_update; VER=$(kver); fi
[ -n "$VER" ] || unavailable "apt-cache knows no linux-image-$KREL-unsigned"
want=(
  "linux-image-$KREL-unsigned=$VER" "linux-headers-$KREL=$VER" "linux-headers-$KABI-common=$VER"
  "linux-kbuild-6.1=$VER" "linux-source-6.1=$VER" busybox-static mdevctl
)
have_deb() { ls "$DEBS/$1"_* >/dev/null 2>&1; }
todo=()
for w in "${want[@]}"; do have_deb "${w%%=*}" || todo+=("$w"); done
if [ ${#todo[@]} -gt 0 ]; then
  log "apt-get download ${todo[*]}"
  # apt's _apt user must be able to write there, or it downloads unsandboxed (fine, but noisy).
  chmod 0777 "$DEBS" 2>/dev/null || true
  if ! (cd "$DEBS" && apt-get -qq download "${todo[@]}" >&2); then
    can_apt && apt_update || true
    (cd "$DEBS" && apt-get -qq download "${todo[@]}" >&2) || die "apt-get download ${todo[*]} failed"
  fi
fi

# --- 4. unpack the kernel, headers, kbuild, busybox and mdevctl ------------------------------------
ROOT=$OUT/root
rm -rf "$ROOT" "$OUT/mod" "$OUT/stage"
mkdir -p "$ROOT"
for p in "linux-image-$KREL-unsigned" "linux-headers-$KREL" "linux-headers-$KABI-common" linux-kbuild-6.1 busybox-static mdevctl; do
  dpkg-deb -x "$(ls "$DEBS/$p"_*.deb | head -n1)" "$ROOT"
done
HDR=$ROOT/usr/src/linux-headers-$KREL
# Debian's amd64 headers include the common ones by absolute path: point it at our copy.
sed -i "s|^include /usr/src/|include $ROOT/usr/src/|" "$HDR/Makefile"
BB=$ROOT/bin/busybox
[ -x "$BB" ] || die "busybox-static has no /bin/busybox"
cp "$BB" "$OUT/busybox"
log "unpacked"

# --- 5. the sample drivers, built out of tree ---------------------------------------------------
MOD=$OUT/mod
mkdir -p "$MOD"
dpkg-deb --fsys-tarfile "$(ls "$DEBS"/linux-source-6.1_*.deb | head -n1)" |
  tar -xO ./usr/src/linux-source-6.1.tar.xz |
  tar -xJ -C "$MOD" --strip-components=3 --wildcards 'linux-source-6.1/samples/vfio-mdev/*'
for f in mtty.c mdpy.c mdpy-defs.h mbochs.c; do [ -f "$MOD/$f" ] || die "linux-source-6.1 has no samples/vfio-mdev/$f"; done
echo 'obj-m := mtty.o mdpy.o mbochs.o' > "$MOD/Kbuild"
rm -f "$MOD/Makefile"
log "building mtty, mdpy, mbochs against $HDR"
# with unpacked tools, the kbuild programs (modpost, objtool) find unpacked libraries too (libelf1)
MAKE_LIBS=${LD_LIBRARY_PATH:-}
if [ -n "$HOST_TOOLS_BIN" ]; then
  MAKE_LIBS=$(dirname "$HOST_TOOLS_BIN")/root/usr/lib/x86_64-linux-gnu:$(dirname "$HOST_TOOLS_BIN")/root/lib/x86_64-linux-gnu${MAKE_LIBS:+:$MAKE_LIBS}
fi
LD_LIBRARY_PATH=$MAKE_LIBS make -s -C "$HDR" M="$MOD" modules >"$OUT/modules-build.log" 2>&1 || { tail -30 "$OUT/modules-build.log" >&2; die "module build failed"; }
for m in mtty mdpy mbochs; do [ -f "$MOD/$m.ko" ] || die "$m.ko was not built"; done

# --- 6. the initramfs ----------------------------------------------------------------------------
ST=$OUT/stage
mkdir -p "$ST"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/sbin,proc,sys,dev,run,tmp,root,etc,guest,opt}
cp "$BB" "$ST/bin/busybox"
"$BB" --list-full | while read -r a; do
  [ -e "$ST/$a" ] || ln -s /bin/busybox "$ST/$a"
done

# Modules: vfio, vfio_iommu_type1, mdev and what they depend on, plus the samples in extra/.
KMOD=$ROOT/lib/modules/$KREL
MDIR=$ST/lib/modules/$KREL
mkdir -p "$MDIR/extra"
declare -A seen=()
add_module() { # name
  local name=$1 f deps d
  [ -n "${seen[$name]:-}" ] && return 0
  seen[$name]=1
  f=$(find "$KMOD/kernel" -name "$name.ko" -o -name "$name.ko.xz" | head -n1)
  [ -n "$f" ] || die "kernel module $name not found in linux-image-$KREL-unsigned"
  mkdir -p "$MDIR/$(dirname "${f#"$KMOD/"}")"
  cp "$f" "$MDIR/${f#"$KMOD/"}"
  deps=$(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | head -n1)
  for d in ${deps//,/ }; do add_module "$d"; done
}
for m in vfio vfio_iommu_type1 mdev; do add_module $m; done
# The libvirt stage (libvirt-rootfs.sh) boots its root file system from a virtio disk.
for m in virtio_pci virtio_blk ext4 crc32c_generic; do add_module $m; done
for m in mtty mdpy mbochs; do
  cp "$MOD/$m.ko" "$MDIR/extra/"
  for d in $(tr '\0' '\n' <"$MOD/$m.ko" | sed -n 's/^depends=//p' | head -n1 | tr , ' '); do add_module "$d"; done
done
cp "$KMOD/modules.order" "$KMOD/modules.builtin" "$MDIR/" 2>/dev/null || true
"$BB" depmod -b "$ST" "$KREL"
[ -s "$MDIR/modules.dep" ] || die "depmod wrote no modules.dep"

# A binary and the libraries ldd lists, at their paths.
add_binary() { # host path, guest path
  mkdir -p "$ST/$(dirname "$2")"
  cp -L "$1" "$ST/$2"
  ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | while read -r lib; do
    [ -e "$ST/$lib" ] && continue
    mkdir -p "$ST/$(dirname "$lib")"
    cp -L "$lib" "$ST/$lib"
  done
}
add_binary "$NODE" /usr/bin/node
add_binary "$ROOT/usr/bin/mdevctl" /usr/bin/mdevctl
ln -s mdevctl "$ST/usr/bin/lsmdev"
mkdir -p "$ST/lib/udev/rules.d" "$ST/etc/mdevctl.d/scripts.d/callouts" "$ST/etc/mdevctl.d/scripts.d/notifiers" \
  "$ST/usr/lib/mdevctl/scripts.d/callouts" "$ST/usr/lib/mdevctl/scripts.d/notifiers"
cp "$ROOT/lib/udev/rules.d/60-mdevctl.rules" "$ST/lib/udev/rules.d/"
echo 'root:x:0:0:root:/root:/bin/sh' >"$ST/etc/passwd"
echo 'root:x:0:' >"$ST/etc/group"

# /init: mount, load the modules, run /guest/run (from the second cpio), report, power off.
cat >"$ST/init" <<'EOF'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
echo "MDEVVM_BOOTED uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
modprobe -a vfio_iommu_type1 mtty mdpy mbochs || echo "MDEVVM: modprobe failed"
stty -F /dev/ttyS1 raw -echo 2>/dev/null
if [ -x /guest/run ]; then
  /guest/run </dev/null
  rc=$?
else
  echo "MDEVVM: no /guest/run"
  rc=126
fi
echo "MDEVVM_EXIT=$rc"
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
EOF
chmod 755 "$ST/init"

log "packing the initramfs"
(cd "$ST" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null) | gzip -6 >"$OUT/base.cpio.gz.tmp"
mv "$OUT/base.cpio.gz.tmp" "$OUT/base.cpio.gz"
cp "$ROOT/boot/vmlinuz-$KREL" "$OUT/vmlinuz"
{
  echo "kernel=$KREL ($VER)"
  echo "node=$("$NODE" --version) ($NODE)"
  echo "mdevctl=$(dpkg-deb -f "$(ls "$DEBS"/mdevctl_*.deb | head -n1)" Version)"
  echo "busybox=$(dpkg-deb -f "$(ls "$DEBS"/busybox-static_*.deb | head -n1)" Version)"
} >"$OUT/versions.txt"
rm -rf "$ROOT" "$ST"
echo "$STAMP" >"$OUT/READY"
log "guest ready: $OUT ($(du -h "$OUT/base.cpio.gz" | cut -f1) initramfs)"
echo "$OUT"
