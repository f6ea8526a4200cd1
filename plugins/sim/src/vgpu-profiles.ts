// Static profiles of the simulated NVIDIA GPUs on the vendor-specific VFIO framework (no mdev
// bus; NVIDIA-VFIO facts): each physical GPU (PF) enables SR-IOV virtual functions (VFs), and a
// vGPU is made by writing a type id to a VF's nvidia/current_vgpu_type. The card, its type ids
// and names are made up ("SIM48", ids 900…948): only the shapes follow the real driver.

/** One vGPU type of a card: `<id> : <name>` in creatable_vgpu_types; framebuffer in GB. */
export interface VgpuTypeProfile {
  id: number;
  name: string;
  framebufferGb: number;
}

/** A physical GPU that serves vGPUs through its VFs (vendor-specific VFIO). */
export interface VfioGpuProfile {
  /** The PF's PCI address: basename of its device dir, its entry in sys/bus/pci/devices. */
  name: string;
  /** The PF's device dir, relative to sys/; its VFs are its siblings. */
  devpath: string;
  /** sriov_totalvfs. */
  totalVfs: number;
  /** First VF's devfn offset from the PF's, and the stride between VFs (sriov_offset/stride). */
  vfOffset: number;
  vfStride: number;
  /** PCI device id of the VFs (`0x` + 4 hex digits). */
  vfDevice: string;
  /** The framebuffer every vGPU on this GPU shares, in GB. */
  framebufferGb: number;
  /** Heterogeneous (mixed-type) time-slicing as set up by the host's set-up (init); reboot clears it. */
  heterogeneous: boolean;
  types: VgpuTypeProfile[];
  /** Static files of the PF's device dir (relative path → content). */
  files: Record<string, string>;
}

/** How long the simulated driver takes for what it does not do at once. */
export interface VgpuTiming {
  /** After sriov-manage enables VFs, their nvidia/ dirs appear this much later (0: at once). */
  nvidiaDelayMs: number;
  /** After a VM releases a VF (its vfio files closed), the driver refuses changes this long. */
  exitBusyMs: number;
}

export const DEFAULT_VGPU_TIMING: Readonly<VgpuTiming> = { nvidiaDelayMs: 400, exitBusyMs: 1500 };

const SIZES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 48];

/** A 48 GB card's Q-series types (sizes that divide the framebuffer, as NVIDIA's do). */
function sim48Types(): VgpuTypeProfile[] {
  return SIZES.map((gb) => ({ id: 900 + gb, name: `NVIDIA SIM48-${gb}Q`, framebufferGb: gb }));
}

function vfioGpu(bus: number, bridge: string, heterogeneous: boolean): VfioGpuProfile {
  const name = `0000:${bus.toString(16).padStart(2, '0')}:00.0`;
  return {
    name,
    devpath: `devices/pci0000:c0/${bridge}/${name}`,
    totalVfs: 16,
    vfOffset: 4,
    vfStride: 1,
    vfDevice: '0x26ba',
    framebufferGb: 48,
    heterogeneous,
    types: sim48Types(),
    files: {
      uevent: `DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:26B9\nPCI_SUBSYS_ID=10DE:1851\nPCI_SLOT_NAME=${name}\n`,
      vendor: '0x10de\n',
      device: '0x26b9\n',
      class: '0x030200\n',
    },
  };
}

/**
 * Two identical 48 GB GPUs with 16 VFs each: 0000:c1:00.0 time-sliced (one vGPU type at a time),
 * 0000:c2:00.0 in heterogeneous mode (types mixed while the framebuffer lasts). Built only when
 * named (`--parents`, `--vgpu`).
 */
export const VFIO_GPU_PROFILES: readonly VfioGpuProfile[] = [vfioGpu(0xc1, '0000:c0:01.0', false), vfioGpu(0xc2, '0000:c0:03.0', true)];

export const VFIO_GPUS: readonly string[] = VFIO_GPU_PROFILES.map((g) => g.name);

/** The PCI address of the PF's VF number `n` (0-based): devfn = PF's + offset + n·stride. */
export function vfAddress(g: VfioGpuProfile, n: number): string {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(g.name);
  if (m === null) throw new Error(`not a PCI address: ${g.name}`);
  const bus = parseInt(m[2] ?? '0', 16);
  const devfn = parseInt(m[3] ?? '0', 16) * 8 + Number(m[4]) + g.vfOffset + n * g.vfStride;
  const b = bus + Math.floor(devfn / 256);
  const d = Math.floor((devfn % 256) / 8);
  const f = devfn % 8;
  const hex = (v: number): string => v.toString(16).padStart(2, '0');
  return `${m[1] ?? '0000'}:${hex(b)}:${hex(d)}.${f}`;
}
