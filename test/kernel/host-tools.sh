# Sourced by test/kernel/build.sh: the real-kernel stage's host tools (qemu-system-x86_64, gcc-12,
# make, xz, libelf1), taken from the host where it has them, else fetched with `apt-get download`
# and unpacked with `dpkg-deb -x` into the tests' one cache dir ($MDEVCTL_TEST_CACHE, else
# $XDG_CACHE_HOME/mdevctl-tests, else ~/.cache/mdevctl-tests; `host-tools/<key>/`) — never
# `apt-get install`ed: the tests leave the machine as it was. What is unpacked: the packages
# named, and what apt would install with them (no recommends) that the host lacks. Each program
# gets a wrapper in `host-tools/<key>/bin` that sets LD_LIBRARY_PATH to the unpacked libraries
# (and gives qemu its firmware dir, -L); that dir is put first on PATH of this build and of the
# stage's own processes only (build.sh records it in <guest>/host-tools-path for test/kernel/src/vm.ts).
# MDEV_VM_HOST_TOOLS=unpack unpacks every tool named even where the host has it (unpack=CMD,CMD:
# those), with all it needs but the base system (the C library, essential, required and important
# packages), as on a machine without them (to check this path).
#
# host_tools CMD:PACKAGE ...   sets HOST_TOOLS_BIN ('' when the host has everything) and PATH.

test_cache_dir() { printf '%s\n' "${MDEVCTL_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdevctl-tests}"; }

# The packages to unpack for `want`: those and their dependencies the host does not have (one
# apt-get -s and one dpkg-query call: this runs at every build).
host_tools_closure() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status} ${Essential} ${Priority}\n' 2>/dev/null || true)
  # what apt would install on a machine with nothing installed (alternatives resolved as apt does)
  apt-get -s -o Dir::State::status=/dev/null install --no-install-recommends "$@" 2>/dev/null |
    sed -n 's/^Inst \([^ ]*\) .*/\1/p' | LC_ALL=C sort -u |
    awk -v want=" $* " -v force="${MDEV_VM_HOST_TOOLS:-}" -v installed="$installed" '
      BEGIN {
        n = split(installed, lines, "\n")
        for (i = 1; i <= n; i++) { split(lines[i], f, " "); if (f[2] == "installed") { have[f[1]] = 1; base[f[1]] = (f[3] == "yes" || f[4] == "required" || f[4] == "important") } }
        split("libc6 libc-bin libgcc-s1 libstdc++6 libcrypt1", c, " "); for (i in c) base[c[i]] = 1
      }
      # named, or missing; with MDEV_VM_HOST_TOOLS set, all but the base system (as a machine without them).
      # qemu finds its modules (accel-tcg, in qemu-system-common) and data relative to its own binary:
      # its packages are always unpacked beside it, even when the machine has them installed.
      index(want, " " $1 " ") || $1 ~ /^qemu-system-/ || !($1 in have) || (force != "" && !base[$1]) { print $1 }'
}

host_tools() {
  HOST_TOOLS_BIN=
  local want=() cmds=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*} pkg=${pair#*:}
    if [ "${MDEV_VM_HOST_TOOLS:-}" = unpack ] || [[ ",${MDEV_VM_HOST_TOOLS:+${MDEV_VM_HOST_TOOLS#unpack=}}," == *",$cmd,"* ]] || ! command -v "$cmd" >/dev/null; then
      want+=("$pkg")
      cmds+=("$cmd")
    fi
  done
  [ ${#want[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || unavailable "missing ${cmds[*]} and no apt-get to fetch them"
  local closure
  closure=$(host_tools_closure "${want[@]}")
  if [ -z "$closure" ]; then apt_update || true; closure=$(host_tools_closure "${want[@]}"); fi
  [ -n "$closure" ] || unavailable "apt knows no ${want[*]}"
  local base key dir
  base=$(test_cache_dir)/host-tools
  mkdir -p "$base"
  chmod 0700 "$(test_cache_dir)" "$base" 2>/dev/null || true
  # What is unpacked here runs as root: only a dir of ours that nobody else can write will do.
  [ "$(stat -c %u "$base")" = "$(id -u)" ] && [ $((0$(stat -c %a "$base") & 022)) = 0 ] ||
    unavailable "$base is not ours alone; set MDEVCTL_TEST_CACHE"
  key=$( { printf '%s\n' "$closure"; printf '%s\n' "${cmds[@]}"; sha256sum "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
  dir=$base/$key
  if [ ! -f "$dir/.complete" ]; then
    local work
    work=$(mktemp -d "$base/.work-XXXXXX")
    log "host tools: apt-get download and unpack $(echo "$closure" | wc -l) packages for ${cmds[*]} into $dir"
    # shellcheck disable=SC2086
    if ! (cd "$work" && apt-get -qq -o APT::Sandbox::User=root download $closure >&2); then
      apt_update || true
      # shellcheck disable=SC2086
      (cd "$work" && apt-get -qq -o APT::Sandbox::User=root download $closure >&2) || { rm -rf "$work"; die "apt-get download of the host tools failed"; }
    fi
    chmod 0700 "$work"
    local deb
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root" || { rm -rf "$work"; die "dpkg-deb -x $deb failed"; }; done
    rm -f "$work"/*.deb
    local libs="$dir/root/usr/lib/x86_64-linux-gnu:$dir/root/lib/x86_64-linux-gnu:$dir/root/usr/lib:$dir/root/lib"
    mkdir -p "$work/bin"
    local f name extra
    for f in "$work"/root/usr/bin/* "$work"/root/bin/* "$work"/root/usr/sbin/*; do
      [ -x "$f" ] && [ ! -d "$f" ] || continue
      name=$(basename "$f")
      [ -e "$work/bin/$name" ] && continue
      extra=
      case "$name" in qemu-system-*) extra="-L $dir/root/usr/share/qemu -L $dir/root/usr/share/seabios";; esac
      printf '#!/bin/sh\n# %s from the unpacked .deb (test/kernel/host-tools.sh)\nLD_LIBRARY_PATH=%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %s %s "$@"\n' \
        "$name" "$libs" "$dir${f#"$work"}" "$extra" >"$work/bin/$name"
      chmod 755 "$work/bin/$name"
    done
    printf '%s\n' "$closure" >"$work/.complete"
    rm -rf "$dir"
    mv "$work" "$dir"
  fi
  for cmd in "${cmds[@]}"; do [ -x "$dir/bin/$cmd" ] || die "the unpacked host tools have no $cmd"; done
  HOST_TOOLS_BIN=$dir/bin
  PATH=$HOST_TOOLS_BIN:$PATH
  export PATH
  log "host tools from $HOST_TOOLS_BIN: ${cmds[*]}"
}
