// Static profiles of the simulated drivers and parents: pools, per-type costs, exhaustion
// errno, device attributes, where each parent lives in sysfs. Written into the manifest
// (.mdev-sim/kernel.json) when a host is built; the simulated kernel reads them back from there.
// The vendor-VFIO GPUs (no mdev bus) have their own profiles in vgpu-profiles.ts.

import { DEFAULT_VGPU_TIMING, VFIO_GPU_PROFILES, VFIO_GPUS, type VfioGpuProfile, type VgpuTiming } from './vgpu-profiles.js';

/** The errno a driver returns when its pool cannot hold one more device of a type. */
export type ExhaustionErrno = 'ENOSPC' | 'EUSERS';

export interface TypeProfile {
  /** Content of the type's `name` file; absent → no file (mtty has one, i915 has none). */
  name?: string;
  /** Content of `description` (may span lines); absent → no file. */
  description?: string;
  deviceApi: string;
  /** Units of the parent's pool one device of this type uses. */
  cost: number;
  /** Extra read-only files in each device dir of this type ({uuid} is substituted). */
  deviceFiles?: Record<string, string>;
}

export interface DriverProfile {
  /** The mdev driver: sys/bus/mdev/drivers/<mdevDriver>, `DRIVER=` of the device's uevent. */
  mdevDriver: string;
  /** Pool size of each parent of this driver, in the units of TypeProfile.cost. */
  pool: number;
  exhaustion: ExhaustionErrno;
  /** Writable device attributes: none, or vfio_ap's assign/unassign family. */
  attributes: 'none' | 'vfio_ap';
  /** Read-only files in each device dir ({uuid} is substituted). */
  deviceFiles: Record<string, string>;
  types: Record<string, TypeProfile>;
}

export interface ParentProfile {
  /** The parent's name: basename of its device dir, the link in sys/class/mdev_bus. */
  name: string;
  /** Key into the manifest's drivers. */
  driver: string;
  /** The device dir, relative to sys/. */
  devpath: string;
  /** Target of the device's `subsystem` link, relative to sys/. */
  subsystem: string;
  /** The device exists only while registered (a module's own device: rmmod removes it). */
  module: boolean;
  /** The bus driver dir (relative to sys/) the device is bound to when built. */
  boundTo?: string;
  /** Registered as an mdev parent exactly while bound to this bus driver dir (css subchannels). */
  registersWith?: string;
  /** Whether it is a registered mdev parent when the host is built. */
  registered: boolean;
  /** Static files of the device dir (relative path → content). */
  files: Record<string, string>;
}

/** An s390 host's AP configuration: what the host releases to vfio_ap, and the highest ids. */
export interface ApBusOptions {
  /** Adapters cleared in apmask (usable by vfio_ap). */
  releasedAdapters?: readonly number[];
  /** Usage domains cleared in aqmask. */
  releasedDomains?: readonly number[];
  /** ap_max_adapter_id (default 255). */
  maxAdapter?: number;
  /** ap_max_domain_id (default 255). */
  maxDomain?: number;
}

/** How the host boots: what `mdevctl-sim reboot` builds again. */
export interface BootOptions {
  gvt: boolean;
  ap?: ApBusOptions;
}

export interface SimManifest {
  format: 'mdev-sim';
  version: 1;
  drivers: Record<string, DriverProfile>;
  parents: ParentProfile[];
  /** GPUs on the vendor-specific VFIO framework (absent: none). */
  vfio?: { gpus: VfioGpuProfile[]; timing: VgpuTiming };
  /** The boot options the host was built with (absent: the defaults). */
  boot?: BootOptions;
}

const VIRTUAL_UEVENT = '';

function gvtDescription(low: number, high: number, res: string, weight: number): string {
  return `low_gm_size: ${low}MB\nhigh_gm_size: ${high}MB\nfence: 4\nresolution: ${res}\nweight: ${weight}\n`;
}

/** Every driver the simulator knows, keyed by driver name. */
export const DRIVER_PROFILES: Readonly<Record<string, DriverProfile>> = {
  mtty: {
    mdevDriver: 'mtty',
    pool: 24,
    exhaustion: 'ENOSPC',
    attributes: 'none',
    deviceFiles: { 'vendor/sample_mdev_dev': 'This is MDEV {uuid}\n' },
    types: {
      'mtty-1': { name: 'Single port serial', deviceApi: 'vfio-pci', cost: 1 },
      'mtty-2': { name: 'Dual port serial', deviceApi: 'vfio-pci', cost: 2 },
    },
  },
  mdpy: {
    mdevDriver: 'mdpy',
    pool: 4,
    exhaustion: 'EUSERS',
    attributes: 'none',
    deviceFiles: {},
    types: {
      'mdpy-vga': {
        name: 'mdpy-vga',
        description: 'virtual display, 640x480 framebuffer',
        deviceApi: 'vfio-pci',
        cost: 1,
        deviceFiles: { 'vendor/resolution': '640x480\n' },
      },
      'mdpy-xga': {
        name: 'mdpy-xga',
        description: 'virtual display, 1024x768 framebuffer',
        deviceApi: 'vfio-pci',
        cost: 1,
        deviceFiles: { 'vendor/resolution': '1024x768\n' },
      },
      'mdpy-hd': {
        name: 'mdpy-hd',
        description: 'virtual display, 1920x1080 framebuffer',
        deviceApi: 'vfio-pci',
        cost: 1,
        deviceFiles: { 'vendor/resolution': '1920x1080\n' },
      },
    },
  },
  mbochs: {
    mdevDriver: 'mbochs',
    pool: 256,
    exhaustion: 'ENOSPC',
    attributes: 'none',
    deviceFiles: {},
    types: {
      'mbochs-small': {
        name: 'mbochs-small',
        description: 'virtual display, 4 MB video memory',
        deviceApi: 'vfio-pci',
        cost: 4,
        deviceFiles: { 'vendor/memory': '4 MB\n' },
      },
      'mbochs-medium': {
        name: 'mbochs-medium',
        description: 'virtual display, 16 MB video memory',
        deviceApi: 'vfio-pci',
        cost: 16,
        deviceFiles: { 'vendor/memory': '16 MB\n' },
      },
      'mbochs-large': {
        name: 'mbochs-large',
        description: 'virtual display, 64 MB video memory',
        deviceApi: 'vfio-pci',
        cost: 64,
        deviceFiles: { 'vendor/memory': '64 MB\n' },
      },
    },
  },
  i915: {
    mdevDriver: 'intel_vgpu_mdev',
    pool: 8,
    exhaustion: 'ENOSPC',
    attributes: 'none',
    deviceFiles: {},
    types: {
      'i915-GVTg_V5_1': { description: gvtDescription(512, 2048, '1920x1200', 16), deviceApi: 'vfio-pci', cost: 8 },
      'i915-GVTg_V5_2': { description: gvtDescription(256, 1024, '1920x1200', 8), deviceApi: 'vfio-pci', cost: 4 },
      'i915-GVTg_V5_4': { description: gvtDescription(128, 512, '1920x1200', 4), deviceApi: 'vfio-pci', cost: 2 },
      'i915-GVTg_V5_8': { description: gvtDescription(64, 384, '1024x768', 2), deviceApi: 'vfio-pci', cost: 1 },
    },
  },
  vfio_ccw: {
    mdevDriver: 'vfio_ccw_mdev',
    pool: 1,
    // 6.1's mdev core counts max_instances (vfio_ccw: 1) itself and answers EUSERS, as for mdpy.
    exhaustion: 'EUSERS',
    attributes: 'none',
    deviceFiles: {},
    types: {
      'vfio_ccw-io': { name: 'I/O subchannel (Non-QDIO)', deviceApi: 'vfio-ccw', cost: 1 },
    },
  },
  // A vGPU card as NVIDIA's time-sliced ones present it (types of 1, 2 and 4 GB of framebuffer
  // sharing 8 GB), for placement across several identical parents (FLEET_GPUS).
  nvidia: {
    mdevDriver: 'nvidia-vgpu-vfio',
    pool: 8,
    exhaustion: 'ENOSPC',
    attributes: 'none',
    deviceFiles: {},
    types: {
      'nvidia-1': { name: 'SIM-1Q', description: 'num_heads=4, frl_config=60, framebuffer=1024M, max_instance=8', deviceApi: 'vfio-pci', cost: 1 },
      'nvidia-2': { name: 'SIM-2Q', description: 'num_heads=4, frl_config=60, framebuffer=2048M, max_instance=4', deviceApi: 'vfio-pci', cost: 2 },
      'nvidia-4': { name: 'SIM-4Q', description: 'num_heads=4, frl_config=60, framebuffer=4096M, max_instance=2', deviceApi: 'vfio-pci', cost: 4 },
    },
  },
  vfio_ap: {
    mdevDriver: 'vfio_ap_mdev',
    // MAX_ZDEV_ENTRIES_EXT = 256 * 256, counted by the mdev core (EUSERS when used up).
    pool: 65536,
    exhaustion: 'EUSERS',
    attributes: 'vfio_ap',
    deviceFiles: { matrix: '', control_domains: '' },
    types: {
      'vfio_ap-passthrough': { name: 'VFIO AP Passthrough Device', deviceApi: 'vfio-ap', cost: 1 },
    },
  },
};

function sampleParent(drv: string): ParentProfile {
  return {
    name: drv,
    driver: drv,
    devpath: `devices/virtual/${drv}/${drv}`,
    subsystem: `class/${drv}`,
    module: true,
    registered: true,
    files: { uevent: VIRTUAL_UEVENT },
  };
}

function subchannel(name: string, bound: 'vfio_ccw' | 'io_subchannel'): ParentProfile {
  return {
    name,
    driver: 'vfio_ccw',
    devpath: `devices/css0/${name}`,
    subsystem: 'bus/css',
    module: false,
    boundTo: `bus/css/drivers/${bound}`,
    registersWith: 'bus/css/drivers/vfio_ccw',
    registered: bound === 'vfio_ccw',
    files: { uevent: 'ST=0\nMODALIAS=css:t0\n', type: '0\n', modalias: 'css:t0\n', driver_override: '(null)\n' },
  };
}

/** Every parent the simulator can build, in build order. */
export const PARENT_PROFILES: readonly ParentProfile[] = [
  sampleParent('mtty'),
  sampleParent('mdpy'),
  sampleParent('mbochs'),
  {
    name: '0000:00:02.0',
    driver: 'i915',
    devpath: 'devices/pci0000:00/0000:00:02.0',
    subsystem: 'bus/pci',
    module: false,
    boundTo: 'bus/pci/drivers/i915',
    registered: true,
    files: {
      uevent:
        'DRIVER=i915\nPCI_CLASS=30000\nPCI_ID=8086:3E92\nPCI_SUBSYS_ID=8086:2212\n' +
        'PCI_SLOT_NAME=0000:00:02.0\nMODALIAS=pci:v00008086d00003E92sv00008086sd00002212bc03sc00i00\n',
      vendor: '0x8086\n',
      device: '0x3e92\n',
      class: '0x030000\n',
    },
  },
  subchannel('0.0.0313', 'vfio_ccw'),
  subchannel('0.0.0314', 'io_subchannel'),
  {
    name: 'matrix',
    driver: 'vfio_ap',
    devpath: 'devices/vfio_ap/matrix',
    subsystem: 'bus/matrix',
    module: true,
    boundTo: 'bus/matrix/drivers/vfio_ap',
    registered: true,
    files: { uevent: 'DRIVER=vfio_ap\n' },
  },
];

export const PARENT_NAMES: readonly string[] = PARENT_PROFILES.map((p) => p.name);

function fleetGpu(bus: number): ParentProfile {
  const name = `0000:${bus.toString(16).padStart(2, '0')}:00.0`;
  return {
    name,
    driver: 'nvidia',
    devpath: `devices/pci0000:00/${name}`,
    subsystem: 'bus/pci',
    module: false,
    boundTo: 'bus/pci/drivers/nvidia',
    registered: true,
    files: {
      uevent: `DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:1EB8\nPCI_SLOT_NAME=${name}\n`,
      vendor: '0x10de\n',
      device: '0x1eb8\n',
      class: '0x030200\n',
    },
  };
}

/**
 * Four identical vGPU cards (0000:41:00.0 … 0000:44:00.0), built only when named
 * (`--parents` / the `parents` option, or FLEET_GPUS as a whole): several parents of one kind.
 */
export const FLEET_GPUS: readonly string[] = [0x41, 0x42, 0x43, 0x44].map((b) => fleetGpu(b).name);
const EXTRA_PROFILES: readonly ParentProfile[] = [0x41, 0x42, 0x43, 0x44].map(fleetGpu);
const ALL_PROFILES: readonly ParentProfile[] = [...PARENT_PROFILES, ...EXTRA_PROFILES];
const ALL_NAMES: readonly string[] = [...ALL_PROFILES.map((p) => p.name), ...VFIO_GPUS];

/**
 * The manifest of a host with the named parents (all of PARENT_NAMES when `names` is undefined);
 * a name in VFIO_GPUS adds that vendor-VFIO GPU, with `timing` (default DEFAULT_VGPU_TIMING).
 */
export function buildManifest(names?: readonly string[], timing: Partial<VgpuTiming> = {}): SimManifest {
  const wanted = names ?? PARENT_NAMES;
  const unknown = wanted.filter((n) => !ALL_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown parent '${unknown[0]}' (known: ${ALL_NAMES.join(', ')})`);
  }
  const gpus = VFIO_GPU_PROFILES.filter((g) => wanted.includes(g.name)).map((g) => structuredClone(g));
  const vfio = gpus.length > 0 ? { vfio: { gpus, timing: { ...DEFAULT_VGPU_TIMING, ...timing } } } : {};
  const parents = ALL_PROFILES.filter((p) => wanted.includes(p.name)).map((p) => structuredClone(p));
  const drivers: Record<string, DriverProfile> = {};
  for (const p of parents) {
    const d = DRIVER_PROFILES[p.driver];
    if (d === undefined) throw new Error(`parent ${p.name}: no driver profile '${p.driver}'`);
    drivers[p.driver] = structuredClone(d);
  }
  return { format: 'mdev-sim', version: 1, drivers, parents, ...vfio };
}

/** Validates a parsed manifest enough that the kernel can trust its shape. */
export function checkManifest(value: unknown, file: string): SimManifest {
  const m = value as Partial<SimManifest> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.format !== 'mdev-sim' ||
    m.version !== 1 ||
    typeof m.drivers !== 'object' ||
    m.drivers === null ||
    !Array.isArray(m.parents)
  ) {
    throw new Error(`${file}: not a simulated-kernel manifest (format mdev-sim, version 1)`);
  }
  for (const p of m.parents) {
    if (m.drivers[p.driver] === undefined) throw new Error(`${file}: parent ${p.name} uses unknown driver ${p.driver}`);
  }
  if (m.vfio !== undefined && (!Array.isArray(m.vfio.gpus) || typeof m.vfio.timing !== 'object' || m.vfio.timing === null)) {
    throw new Error(`${file}: vfio must hold gpus and timing`);
  }
  return m as SimManifest;
}
