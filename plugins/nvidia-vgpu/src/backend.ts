// The nvidia-vgpu device backend: each SR-IOV VF with a `nvidia/` catalogue is a parent named by
// its PCI address; its types are `nvidia-<id>` (device API vfio-pci, 1 instance when the VF is free
// and lists the type); a vGPU is made by writing the id to the VF's `nvidia/current_vgpu_type` and
// destroyed by writing 0. Every write goes through the host's `write` (the kernel's sysfs, or the
// simulator's). See ../README.md and docs/NVIDIA-VGPU.md.

import { join } from 'node:path';
import type { ActiveDevice, ActiveDeviceFilter, BackendHost, ChangeFiles, DeviceBackend, KernelRefusal, MdevTypeInfo, ParentState } from '@mdevctl/plugin-sdk';
import { parseCurrentType } from './catalogue.js';
import { codeOf, errnoError } from './errno.js';
import { lists, vfTypes } from './gpu.js';
import { vfioHolder } from './holders.js';
import { typeId, typeName } from './names.js';
import { pciDir } from './pci.js';
import { explainVgpuRefusal } from './refusals.js';
import { readBounded, VgpuScan } from './scan.js';
import { forgetMapped, writeMapped } from './uuid-map.js';

export const BACKEND_NAME = 'nvidia-vgpu';

/** A `current_vgpu_type` write gives no uevent (a guess, as NVIDIA's KubeVirt plugin found): look every few seconds. */
export const WATCH_INTERVAL_MS = 2000;

export interface BackendOptions {
  /** How long `stop` keeps writing 0 while the driver answers EBUSY (ms). */
  readonly stopBusyWaitMs: number;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/** Attributes a vGPU definition may set: files of the VF's nvidia/ dir other than the two mdevctl drives. */
const NOT_ATTRIBUTES = new Set(['creatable_vgpu_types', 'current_vgpu_type']);

export class NvidiaVgpuBackend implements DeviceBackend {
  readonly name = BACKEND_NAME;
  readonly watch = { kind: 'timer' as const, intervalMs: WATCH_INTERVAL_MS };
  /** Not mediated devices: libvirt cannot manage them, `list --dumpjson` leaves them out. */
  readonly onMdevBus = false;
  readonly scan: VgpuScan;
  readonly files: ChangeFiles;

  constructor(
    private readonly host: BackendHost,
    private readonly options: BackendOptions,
  ) {
    this.scan = new VgpuScan(host.root);
    const nvidia = (vf: string, file: string) => join(host.root, pciDir(vf), 'nvidia', file);
    this.files = {
      create: (parent) => nvidia(parent, 'current_vgpu_type'),
      remove: (uuid) => nvidia(this.vfOf(uuid) ?? 'unknown-vf', 'current_vgpu_type'),
      attribute: (uuid, name) => nvidia(this.vfOf(uuid) ?? 'unknown-vf', name),
    };
  }

  parents(): readonly string[] {
    return this.scan.vfs();
  }

  parentState(parent: string): ParentState | undefined {
    return this.scan.isVf(parent) ? 'ready' : undefined;
  }

  types(parent: string): MdevTypeInfo[] {
    const s = this.scan.state(parent);
    if (s === undefined) return [];
    return vfTypes(s, this.scan.siblings(s.gpu))
      .map((t) => ({
        parent,
        type: t.type,
        availableInstances: t.availableInstances,
        deviceApi: 'vfio-pci',
        ...(t.name !== undefined ? { name: t.name } : {}),
      }))
      .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  hasType(parent: string, type: string): boolean {
    return this.types(parent).some((t) => t.type === type);
  }

  availableInstances(parent: string, type: string): number {
    return this.types(parent).find((t) => t.type === type)?.availableInstances ?? 0;
  }

  activeDevices(filter: ActiveDeviceFilter = {}): ActiveDevice[] {
    return this.scan
      .running()
      .filter((r) => (filter.uuid === undefined || r.uuid === filter.uuid) && (filter.parent === undefined || r.vf === filter.parent))
      .map((r) => ({ uuid: r.uuid, parent: r.vf, type: typeName(r.id) }));
  }

  activeDevice(uuid: string): ActiveDevice | undefined {
    return this.activeDevices({ uuid })[0];
  }

  /** A VF counts in its physical GPU for placement (spread, pack, one-type-per-parent). */
  placementGroup(parent: string): string | undefined {
    return this.scan.gpuOf(parent);
  }

  hasAttribute(uuid: string, name: string): boolean {
    const vf = this.vfOf(uuid);
    if (vf === undefined || NOT_ATTRIBUTES.has(name) || !/^[a-z][a-z0-9_]*$/.test(name)) return false;
    return readBounded(join(this.host.root, pciDir(vf), 'nvidia', name), 1) !== undefined;
  }

  explainRefusal(refusal: KernelRefusal): string | undefined {
    const vf = refusal.operation === 'create' ? refusal.device.parent : (this.vfOf(refusal.device.uuid) ?? refusal.device.parent);
    const gpu = this.scan.gpuOf(vf) ?? 'its physical GPU';
    if (refusal.operation === 'attribute') return undefined;
    if (refusal.operation === 'remove' && refusal.code === 'EBUSY') {
      const holder = vfioHolder(this.host.root, vf);
      if (holder !== undefined) return `${holderLine(vf, holder)}`;
    }
    return explainVgpuRefusal(refusal.code, refusal.operation, vf, gpu);
  }

  /** The VF a running vGPU of ours (or another tool's) is on. */
  vfOf(uuid: string): string | undefined {
    return this.scan.running().find((r) => r.uuid === uuid)?.vf;
  }

  create(parent: string, type: string, uuid: string): void {
    const file = this.files.create(parent, type);
    const id = typeId(type);
    this.scan.forget();
    const s = this.scan.state(parent);
    if (id === undefined) throw errnoError('EINVAL', `${type} is no vendor-VFIO vGPU type (nvidia-<id>)`);
    if (s === undefined) throw errnoError('ENODEV', `${parent} is no vGPU VF (no nvidia/creatable_vgpu_types)`);
    if (s.current !== 0) {
      throw errnoError('EBUSY', s.current === undefined ? `${parent}: current_vgpu_type cannot be read` : `${parent} already runs ${typeName(s.current)}`);
    }
    if (!lists(s, id)) throw errnoError('EINVAL', `${parent} does not list ${type} in its creatable_vgpu_types now`);
    this.host.write(file, String(id));
    this.scan.forget();
    const now = parseCurrentType(readBounded(file, 32));
    if (now !== id) {
      try {
        this.host.write(file, '0');
      } catch {
        // reported below: the read back is what failed
      }
      throw errnoError('EIO', `${parent}: current_vgpu_type reads ${now ?? 'nothing'} after writing ${id} (0 written back)`);
    }
    try {
      writeMapped(this.host.root, parent, uuid, id);
    } catch (err) {
      this.host.write(file, '0');
      throw err;
    } finally {
      this.scan.forget();
    }
  }

  remove(uuid: string): void {
    const vf = this.vfOf(uuid);
    if (vf === undefined) throw errnoError('ENOENT', `no vGPU ${uuid} runs on any VF`);
    const file = this.files.create(vf, '');
    const holder = vfioHolder(this.host.root, vf);
    if (holder !== undefined) throw errnoError('EBUSY', holderLine(vf, holder));
    const deadline = Date.now() + this.options.stopBusyWaitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        this.host.write(file, '0');
        break;
      } catch (err) {
        if (codeOf(err) !== 'EBUSY' || Date.now() >= deadline) throw err;
        sleep(Math.min(50 * 2 ** Math.min(attempt, 5), Math.max(1, deadline - Date.now())));
      }
    }
    this.scan.forget();
    const now = parseCurrentType(readBounded(file, 32));
    if (now !== 0) throw errnoError('EBUSY', `${vf}: current_vgpu_type still reads ${now ?? 'nothing'} after writing 0`);
    forgetMapped(this.host.root, vf);
  }

  writeAttribute(uuid: string, name: string, value: string): void {
    const vf = this.vfOf(uuid);
    if (vf === undefined) throw errnoError('ENOENT', `no vGPU ${uuid} runs on any VF`);
    if (NOT_ATTRIBUTES.has(name)) throw errnoError('EINVAL', `${name} is written by mdevctl itself`);
    this.host.write(this.files.attribute(uuid, name), value);
  }
}

export function holderLine(vf: string, holder: { pid: number; command: string; file: string }): string {
  return `${vf} is in use: process ${holder.pid} (${holder.command}) holds ${holder.file} open; stop the VM first`;
}
