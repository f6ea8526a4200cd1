#!/usr/bin/env bash
# A tour of mdevctl on a built-in simulated host: types, define, start, list, stop, undefine,
# and a desired-state file (diff, apply, apply again, assert).
# Nothing on this machine's /sys or /etc is touched: everything happens under a temp root.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="$(mktemp -d /tmp/mdevctl-demo.XXXXXX)"
trap 'rm -rf "$root"' EXIT
export MDEVCTL_ENV_ROOT="$root"
mdevctl() { node "$repo/core/bin/mdevctl.js" "$@"; }
show() { printf '\n$ %s\n' "$*"; "$@"; }

node "$repo/core/bin/mdevctl-sim.js" init "$root"
U=5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01
show mdevctl types -p mtty
show mdevctl define -u "$U" -p mtty -t mtty-2 --auto
show mdevctl modify -u "$U" --addattr=note --value=demo
show mdevctl list -d -v
show mdevctl modify -u "$U" --delattr
show mdevctl start -u "$U"
show mdevctl list
show mdevctl types -p mtty
show mdevctl start -p mdpy -t mdpy-vga
show mdevctl list --dumpjson
show mdevctl stop -u "$U"
show mdevctl undefine -u "$U"
show mdevctl list -d
cat > "$root/desired.yaml" <<'YAML'
name: demo
requests:
  - type: mtty-1
    count: 2
    parents: [mtty]
YAML
printf '\n$ cat desired.yaml\n'; cat "$root/desired.yaml"
show mdevctl diff "$root/desired.yaml"
show mdevctl apply "$root/desired.yaml"
show mdevctl apply --json "$root/desired.yaml"
show mdevctl assert "$root/desired.yaml"
show mdevctl list
echo
echo "Done: the temp root is removed."
