// The simulated kernel: reacts to sysfs writes under a simulated root as
// Linux 6.1 does (create/remove, vfio_ap attributes, AP masks, css bind/unbind/driver_override/
// drivers_probe (css.ts), uevent),
// applies plain-file writes left by a foreign program (sync), and (un)registers parents.
// Every operation runs under the cross-process lock in .mdev-sim/.

import { chmodSync, closeSync, constants, openSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { writeWhole } from '@mdevctl/plugin-sdk';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { createDevice, removeDevice } from './devices.js';
import { hasCode, kstrtoul, sysError, type SimErrnoCode, type SysError } from './errno.js';
import { isDirectory, isSymlink, listDir, MODE_WO } from './fsops.js';
import { SimHost, UEVENT_LOG, UUID_RE, simKernelLock, type Uevent } from './host.js';
import { fileBackend, type FileLock, type SysfsBackend } from '@mdevctl/plugin-sdk';
import { bindDevice, plugParent, unbindDevice, unplugParent } from './parents.js';
import type { ParentProfile } from './profiles.js';
import { CSS_BUS, cssPendingFiles, matchesOverride, probeSubchannel, storeDriverOverride, subchannelAt, tidyOverrides } from './css.js';
import { AP_CONFIG, isVfioApWritable, storeApConfig, storeHostMask, storeVfioAp, VFIO_AP_WRITABLE } from './vfio-ap.js';
import { spawnLateNvidia } from './late.js';
import { findGpu, vfioGpus } from './vgpu.js';
import { disableVfs, enableVfs, pendingNvidia, setHeterogeneous, settleNvidia } from './vgpu-sriov.js';
import { storeVgpu, vgpuFileOwner } from './vgpu-store.js';
import { holdVf, makeBusy, releaseVf } from './vgpu-vms.js';

/** One pending write found and applied by sync(). */
export interface SyncResult {
  path: string;
  data: string;
  error?: SysError;
}

const UEVENT_ACTIONS = ['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind'];

export class SimulatedKernel {
  readonly host: SimHost;
  private readonly lock: FileLock;

  private constructor(host: SimHost) {
    this.host = host;
    this.lock = simKernelLock(host.simDir);
  }

  /** The sysfs backend of a simulated root: each change one write to the simulated kernel. */
  static backend(root: string): SysfsBackend {
    const kernel = SimulatedKernel.open(root);
    return fileBackend(kernel.root, (path, data) => kernel.write(path, data));
  }

  /** Opens the simulated kernel of a root built by createSimulatedHost (throws otherwise). */
  static open(root: string): SimulatedKernel {
    return new SimulatedKernel(SimHost.load(root));
  }

  get root(): string {
    return this.host.root;
  }

  /** `echo -n data > path` against the simulated kernel; throws node-shaped errno errors. */
  write(path: string, data: string): void {
    this.lock.run(() => this.apply(path, data));
  }

  /**
   * Applies writes a foreign program left in plain files (non-empty `create`, vfio_ap
   * attribute and `remove` files, then css `driver_override`, `unbind`, `bind`, `drivers_probe`),
   * in that order, emptying each write-only one. Returns what it applied.
   */
  sync(): SyncResult[] {
    return this.lock.run(() => {
      const results: SyncResult[] = [];
      const run = (files: string[]): void => {
        for (const f of files) {
          const data = takePending(f);
          if (data === undefined) continue;
          try {
            this.apply(f, data);
            results.push({ path: f, data });
          } catch (e) {
            if (typeof (e as Partial<SysError>).errno !== 'number') throw e;
            results.push({ path: f, data, error: e as SysError });
          }
        }
      };
      const host = this.host;
      run(
        host.manifest.parents
          .filter((p) => host.isRegistered(p))
          .flatMap((p) => listDir(host.typesDir(p)).map((t) => join(host.typeDir(p, t), 'create'))),
      );
      const deviceDirs = (): Array<[ParentProfile, string]> =>
        host.allDevices().map((d): [ParentProfile, string] => [d.parent, host.deviceDir(d.parent, d.uuid)]);
      run(
        deviceDirs()
          .filter(([p]) => host.driver(p).attributes === 'vfio_ap')
          .flatMap(([, dir]) => VFIO_AP_WRITABLE.map((a) => join(dir, a))),
      );
      run(deviceDirs().map(([, dir]) => join(dir, 'remove')));
      // css: driver_override is its file's content; then unbind, bind, drivers_probe (driverctl's order)
      tidyOverrides(host, (path, text) => writeFileSync(path, text));
      run(cssPendingFiles(host));
      return results;
    });
  }

  /** Unregisters a parent (rmmod, or unbind from vfio_ccw), removing its devices. */
  unplugParent(name: string): void {
    this.lock.run(() => unplugParent(this.host, this.host.parent(name)));
  }

  /** Registers a parent again (modprobe, or bind to vfio_ccw) with fresh pools. */
  plugParent(name: string): void {
    this.lock.run(() => plugParent(this.host, this.host.parent(name)));
  }

  /**
   * NVIDIA's sriov-manage -e (enable) or -d (disable) for one GPU (its PF address) or ALL:
   * idempotent; the VFs' nvidia/ dirs appear timing.nvidiaDelayMs later (a detached process).
   * Returns what it did, one line per GPU; throws when a GPU is unknown or a disable is refused.
   */
  sriovManage(enable: boolean, target: string): string[] {
    const delay = this.host.manifest.vfio?.timing.nvidiaDelayMs ?? 0;
    const late: Array<{ gpu: string; generation: number }> = [];
    const lines = this.lock.run(() => {
      const host = this.host;
      const gpus = target === 'ALL' ? vfioGpus(host) : [findGpu(host, target)];
      const out: string[] = [];
      for (const g of gpus) {
        if (enable) {
          const changed = enableVfs(host, g, delay <= 0);
          out.push(changed ? `Enabling VFs on ${g.name}` : `VFs already enabled on ${g.name}`);
        } else {
          const changed = disableVfs(host, g);
          out.push(changed ? `Disabling VFs on ${g.name}` : `No VFs enabled on ${g.name}`);
        }
      }
      if (enable && delay > 0) late.push(...pendingNvidia(host).filter((p) => gpus.some((g) => g.name === p.gpu)));
      return out;
    });
    for (const p of late) spawnLateNvidia(this.root, p.gpu, p.generation, delay);
    return lines;
  }

  /** Makes pending nvidia/ dirs appear now (of one GPU and enabling, or all); returns how many VFs. */
  settle(gpu?: string, generation?: number): number {
    return this.lock.run(() => settleNvidia(this.host, gpu, generation));
  }

  /** The GPUs whose VFs wait for their nvidia/ dirs, with that enabling's generation. */
  pendingNvidia(): Array<{ gpu: string; generation: number }> {
    return this.lock.run(() => pendingNvidia(this.host));
  }

  /** A simulated VM opens VF's vfio files (ROOT/proc/<pid>/fd); returns the pid. */
  holdVf(vf: string, comm?: string): number {
    return this.lock.run(() => holdVf(this.host, vf, comm));
  }

  /** The driver refuses changes to VF for `ms` from now, as after a VM exits. */
  busyVf(vf: string, ms: number): void {
    this.lock.run(() => makeBusy(this.host, vf, ms));
  }

  /** The VMs holding VF exit; the driver is busy for timing.exitBusyMs. Returns how many exited. */
  releaseVf(vf: string): number {
    return this.lock.run(() => releaseVf(this.host, vf));
  }

  /** nvidia-smi vgpu -shm: a GPU's heterogeneous mode (refused while it has a vGPU). */
  setVgpuMode(gpu: string, heterogeneous: boolean): void {
    this.lock.run(() => setHeterogeneous(this.host, findGpu(this.host, gpu), heterogeneous));
  }

  /** The uevents logged since the host was built, oldest first. */
  uevents(): Uevent[] {
    let text: string;
    try {
      text = readFileSync(join(this.host.simDir, UEVENT_LOG), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Uevent);
  }

  private apply(path: string, data: string): void {
    let real: string;
    try {
      real = realpathSync(resolve(path));
    } catch (e) {
      if (hasCode(e, 'ENOENT')) throw sysError('ENOENT', 'open', path);
      if (hasCode(e, 'ENOTDIR')) throw sysError('ENOTDIR', 'open', path);
      throw e;
    }
    const st = statSync(real);
    if (st.isDirectory()) throw sysError('EISDIR', 'open', path);
    if ((st.mode & 0o222) === 0) throw sysError('EACCES', 'open', path);
    if (!real.startsWith(this.host.sys + sep)) {
      plainWrite(real, data);
      return;
    }
    // sysfs_kf_write: a zero-length write never reaches the store function.
    if (data.length === 0) return;
    const err = this.store(real, data, (st.mode & 0o444) !== 0);
    if (err !== undefined) throw sysError(err, 'write');
  }

  /** The store function behind a sysfs file; returns an errno or undefined for success. */
  private store(real: string, data: string, readable: boolean): SimErrnoCode | undefined {
    const host = this.host;
    const name = basename(real);
    const dir = dirname(real);
    if (name === 'create' && basename(dirname(dir)) === 'mdev_supported_types') {
      const parentDir = dirname(dirname(dir));
      const p = host.manifest.parents.find((x) => host.parentDir(x) === parentDir);
      if (p !== undefined) return createDevice(host, p, basename(dir), data);
    }
    const owner = UUID_RE.test(basename(dir)) ? host.parentOfDeviceDir(dir) : undefined;
    if (owner !== undefined) {
      if (name === 'remove') return removeStore(host, owner, basename(dir), data);
      if (host.driver(owner).attributes === 'vfio_ap' && isVfioApWritable(name)) {
        return storeVfioAp(host, dir, name, data);
      }
      if (host.driver(owner).attributes === 'vfio_ap' && name === AP_CONFIG) return storeApConfig(host, dir, data);
    }
    const rel = relative(host.sys, real).split(sep).join('/');
    if (rel === 'bus/ap/apmask' || rel === 'bus/ap/aqmask') return storeHostMask(host, name as 'apmask' | 'aqmask', data);
    if (rel === `${CSS_BUS}/drivers_probe`) return probeSubchannel(host, data);
    if (name === 'driver_override') {
      const sch = subchannelAt(host, dir);
      if (sch !== undefined) return storeDriverOverride(host, sch, data, (text) => writeFileSync(real, text));
    }
    const bind = /^bus\/([^/]+)\/drivers\/([^/]+)\/(bind|unbind)$/.exec(rel);
    if (bind !== null && bind[1] !== 'mdev') {
      return busBind(host, `bus/${bind[1] ?? ''}/drivers/${bind[2] ?? ''}`, bind[3] === 'bind', data);
    }
    if (name === 'uevent') return synthUevent(host, dir, data);
    const vgpu = vgpuFileOwner(host, real);
    if (vgpu !== undefined) {
      const err = storeVgpu(host, vgpu, name, data);
      if (err !== 'plain') return err;
    }
    if (readable) writeFileSync(real, data.endsWith('\n') ? data : `${data}\n`);
    return undefined;
  }
}

function removeStore(host: SimHost, p: ParentProfile, uuid: string, data: string): SimErrnoCode | undefined {
  const v = kstrtoul(data);
  if (v === 'EINVAL' || v === 'ERANGE') return v;
  if (v !== 0n) removeDevice(host, p, uuid);
  return undefined;
}

function busBind(host: SimHost, driverDir: string, bind: boolean, data: string): SimErrnoCode | undefined {
  const name = data.replace(/\n$/, '');
  const bus = dirname(dirname(driverDir));
  const p = host.manifest.parents.find((x) => x.name === name && x.subsystem === bus && isDirectory(host.parentDir(x)));
  if (p === undefined) return 'ENODEV';
  const bound = host.boundDriver(p);
  if (bind) {
    if (bound !== undefined) return 'EBUSY';
    if (bus === CSS_BUS && !matchesOverride(host, p, driverDir)) return 'ENODEV';
    bindDevice(host, p, driverDir);
  } else {
    if (bound !== driverDir) return 'ENODEV';
    unbindDevice(host, p);
  }
  return undefined;
}

function synthUevent(host: SimHost, dir: string, data: string): SimErrnoCode | undefined {
  const words = data.trim().split(/\s+/);
  const action = words[0] ?? '';
  if (!UEVENT_ACTIONS.includes(action)) return 'EINVAL';
  const sub = join(dir, 'subsystem');
  const subsystem = isSymlink(sub) ? basename(readlinkSync(sub)) : '';
  host.emit([{ action, devpath: host.devpathOf(dir), subsystem, env: { SYNTH_UUID: words[1] ?? '0' } }]);
  return undefined;
}

/** What `open(O_WRONLY|O_TRUNC)` + one whole `write` does to an ordinary file (sysfs/writer.ts). */
function plainWrite(path: string, data: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    writeWhole(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** The content a foreign program left in a write-only file, which is then emptied. */
function takePending(file: string): string | undefined {
  let data: string;
  try {
    data = readFileSync(file, 'utf8');
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return undefined;
    if (!hasCode(e, 'EACCES')) throw e;
    // Not root: the 0200 file is unreadable to its owner; open it up for the read.
    chmodSync(file, 0o600);
    try {
      data = readFileSync(file, 'utf8');
    } finally {
      chmodSync(file, MODE_WO);
    }
  }
  if (data === '') return undefined;
  writeFileSync(file, '');
  return data;
}
