#!/usr/bin/env bash
# A tour of mdevctl on a built-in simulated host: types, define, start, list, stop, undefine,
# a desired-state file (diff, apply, apply again, assert), and NVIDIA vGPUs without the mdev bus
# (SR-IOV VFs of two simulated GPUs) beside the mdev devices.
# Nothing on this machine's /sys or /etc is touched: everything happens under a temp root.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="$(mktemp -d /tmp/mdevctl-demo.XXXXXX)"
trap 'rm -rf "$root"' EXIT
export MDEVCTL_ENV_ROOT="$root"
mdevctl() { node "$repo/core/bin/mdevctl.js" "$@"; }
show() { printf '\n$ %s\n' "$*"; "$@"; }
# A command that is meant to be refused: its exit status shown, the tour goes on.
refused() { printf '\n$ %s\n' "$*"; if "$@" 2>&1; then echo "(expected a refusal)"; exit 1; else echo "(exit status $?)"; fi; }
sim() { node "$repo/core/bin/mdevctl-sim.js" "$@"; }

sim init "$root" --vgpu
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

printf '\n# NVIDIA vGPUs on SR-IOV virtual functions (no mdev bus): each VF is a parent\n'
V=5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02
printf '\n$ mdevctl types -p 0000:c1:00.4 -x | head -n 15\n'
types="$(mdevctl types -p 0000:c1:00.4 -x)"
head -n 15 <<<"$types"
show mdevctl define -u "$V" -p 0000:c1:00.4 -t nvidia-908 --auto
show mdevctl start -u "$V"
show mdevctl start -u 5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03 -p 0000:c1:00.5 -t nvidia-908
printf '\n$ cat /sys/bus/pci/devices/0000:c1:00.4/nvidia/current_vgpu_type\n'
cat "$root/sys/bus/pci/devices/0000:c1:00.4/nvidia/current_vgpu_type"
printf '\n# The GPU is time-sliced: its other VFs now offer only nvidia-908\n'
show mdevctl types -p 0000:c1:00.6
refused mdevctl start -p 0000:c1:00.6 -t nvidia-904
show mdevctl list
printf '\n# A VM holds the vGPU (a simulated QEMU with its vfio files open): stop is refused\n'
printf '\n$ mdevctl-sim hold ROOT 0000:c1:00.4\n'
sim hold "$root" 0000:c1:00.4 >/dev/null
refused mdevctl stop -u "$V"
printf '\n$ mdevctl-sim release ROOT 0000:c1:00.4   # the VM exits\n'
sim release "$root" 0000:c1:00.4
show mdevctl stop -u "$V"
show mdevctl list
printf '\n# A reboot: no VFs and no vGPUs until the driver'"'"'s sriov-manage runs; then what the boot\n'
printf '# units run: the auto devices of mtty (udev) and of every VF of a GPU (one process per GPU)\n'
printf '\n$ mdevctl-sim reboot ROOT\n'
sim reboot "$root"
show mdevctl list
printf '\n$ /usr/lib/nvidia/sriov-manage -e ALL\n'
"$root/usr/lib/nvidia/sriov-manage" -e ALL
show mdevctl start-parent-mdevs mtty
show mdevctl start-parent-mdevs --physfn 0000:c1:00.0 --wait 10
show mdevctl list
echo
echo "Done: the temp root is removed."
