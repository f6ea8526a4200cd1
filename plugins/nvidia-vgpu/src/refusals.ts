// What the driver's refusal of a `current_vgpu_type` write usually means, in words. The driver
// documents no errnos for this file: these are what its peers report and what the errno means for
// a sysfs store (a guess where marked); an errno not listed here is shown as the kernel said it.

export type VgpuWrite = 'create' | 'remove';

export function explainVgpuRefusal(code: string, write: VgpuWrite, vf: string, gpu: string): string | undefined {
  if (write === 'create') {
    switch (code) {
      case 'EINVAL':
        return `the driver does not take this type on ${vf} now: it is not in the VF's creatable_vgpu_types (another vGPU on ${gpu} changed what fits, or the type is not one of this GPU's)`;
      case 'ENOSPC':
        return `${gpu} has no framebuffer left for this type: stop a vGPU on another of its VFs or use a smaller type`;
      case 'EBUSY':
      case 'EEXIST':
        return `${vf} already has a vGPU (its current_vgpu_type is not 0), or the driver is still busy with it`;
      case 'ENODEV':
      case 'ENOENT':
      case 'ENXIO':
        return `${vf} has no nvidia/ directory now: its VFs were disabled (sriov-manage -d, a reboot, a driver reload) or the driver is not loaded`;
      case 'EPERM':
      case 'EACCES':
        return `only root can create vGPUs`;
      case 'EIO':
        return `the driver failed to set up the vGPU on ${gpu} (nvidia-vgpu-mgr not running, or heterogeneous/MIG mode changed underneath: see the kernel log and journalctl -u nvidia-vgpu-mgr)`;
      default:
        return undefined;
    }
  }
  switch (code) {
    case 'EBUSY':
      return `the driver still holds the vGPU on ${vf} (a VM may be using it, or it is being torn down)`;
    case 'ENODEV':
    case 'ENOENT':
    case 'ENXIO':
      return `${vf} is gone (its VFs were disabled or the driver unloaded): there is nothing left to stop`;
    case 'EPERM':
    case 'EACCES':
      return `only root can stop vGPUs`;
    default:
      return undefined;
  }
}
