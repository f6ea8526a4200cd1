// The boot-time files for vGPUs on SR-IOV virtual functions (NVIDIA's vendor-specific VFIO, no mdev
// bus), installed by `mdevctl install-system-files` beside upstream's rule:
// - a udev rule: when a VF that has mdevctl definitions is added (sriov-manage -e, at boot or
//   later), it asks systemd (SYSTEMD_WANTS, as udev's manual prefers to a long RUN) for the unit of
//   the VF's physical function — one unit, one process, per GPU, however many VFs appear;
// - that template unit, mdevctl-vgpu@<PF>.service: ordered after the driver's daemons and before
//   the VM managers, it runs `start-parent-mdevs --physfn <PF>`, which (if the admin allowed it)
//   enables the PF's VFs, waits (bounded) for each VF with definitions to become a parent (its
//   nvidia/ appears a little after the VF), and starts their auto devices in uuid order.
// `systemctl enable mdevctl-vgpu@<PF>` makes the unit run at every boot by itself (needed when
// mdevctl enables the VFs: then no VF exists to trigger the rule).

export const VGPU_UDEV_RULE_FILE = 'usr/lib/udev/rules.d/61-mdevctl-vgpu.rules';
export const VGPU_UNIT_FILE = 'usr/lib/systemd/system/mdevctl-vgpu@.service';

/** How long the unit waits for a PF's VFs to become parents (seconds). */
export const VGPU_WAIT_SECONDS = 120;

export function vgpuUdevRule(): string {
  return [
    '# Installed by `mdevctl install-system-files`.',
    '',
    '# vGPUs on SR-IOV virtual functions (NVIDIA vGPU 17+ on kernels >= 6.8: no mdev bus). When a VF',
    '# that has mdevctl definitions is added, start the unit of its physical function, which waits',
    "# for the VFs' nvidia/ directories and starts their auto devices: one process per GPU.",
    'ACTION=="add", SUBSYSTEM=="pci", TEST=="physfn", TEST=="/etc/mdevctl.d/$kernel", TAG+="systemd", ENV{SYSTEMD_WANTS}+="mdevctl-vgpu@$attr{physfn}.service"',
    '',
  ].join('\n');
}

export function vgpuUnit(command: string): string {
  return [
    '# Installed by `mdevctl install-system-files`.',
    '[Unit]',
    'Description=mdevctl: start the auto vGPUs on the virtual functions of %I',
    'Documentation=man:mdevctl(8)',
    "# The driver's daemons first: a vGPU type written before nvidia-vgpu-mgr runs is refused.",
    '# A unit that sets heterogeneous or MIG mode should say Before=mdevctl-vgpu@.service.',
    'After=nvidia-vgpud.service nvidia-vgpu-mgr.service pve-nvidia-sriov@ALL.service',
    '# The VMs after: their vGPUs must be there when they start.',
    'Before=libvirtd.service virtqemud.service pve-guests.service',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${command} start-parent-mdevs --physfn %I --wait ${VGPU_WAIT_SECONDS}`,
    `TimeoutStartSec=${VGPU_WAIT_SECONDS + 180}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
