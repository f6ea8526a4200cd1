// The device-backend seam: a backend owns both sides of the parents it claims — discovery (its
// parents, their types, the devices running on them, what a refusal means) and changes (create,
// remove, write an attribute). The kernel's mdev bus is core's built-in backend (on a simulated
// root its writes go to the simulator); a plugin provides others through its `backends` field
// (MdevctlPlugin.backends), e.g. for vGPUs that are not mediated devices (NVIDIA's vendor-specific
// VFIO framework: parents are PCI virtual functions, a device is made by writing a type id).
//
// How core uses them:
// - Detection: once per run, after the plugins are loaded, core calls each provider's `detect`
//   (cheap and synchronous: a readdir or a stat) and `open`s only the providers that found
//   something, so a backend's own code is loaded only on hosts that have its parents. While a
//   command waits for parents (`apply --wait-parents`), the others are asked again.
// - Ownership, per parent (bail): core asks the open backends in plugin order, then the mdev bus,
//   `parentState(parent)`; the first answer that is not undefined owns the parent. A parent no
//   backend owns is the mdev bus's (its messages say it is not there). A running device is the
//   first backend's that reports it (`activeDevice(uuid)`).
// - Every command (types, list, lsmdev, define, start, stop, modify --live, start-parent-mdevs,
//   validate, apply/diff/assert, completion) sees the union of the backends, sorted as upstream
//   sorts the mdev bus, and never knows which kind a parent is; plugins' hooks and `HostView` see
//   the same union.
// - Changes: core calls `create`/`remove`/`writeAttribute` of the owning backend, inside the
//   lifecycle pipeline (after validation, under the definitions lock, recorded for recovery). A
//   refusal is a thrown Node errno error (`code` EBUSY, `errno` -16 …); core's message names the
//   file (`files`), the errno, and, when a plugin's `query.explainRefusal` or the backend's
//   `explainRefusal` answers, what it means in words.
// Reads are synchronous, as core's are; only `open` may be async (a lazy `import()`).

import type { KernelRefusal, Logger } from './context.js';
import type { ActiveDevice, MdevTypeInfo } from './model.js';

/** How `mdevctl monitor` learns of changes on a backend's parents and devices. */
export type BackendWatch =
  | { readonly kind: 'uevent'; readonly subsystems: readonly string[] }
  | { readonly kind: 'timer'; readonly intervalMs: number };

/**
 * A parent a backend owns: `ready` when its types can be read now, `unregistered` when it is there
 * but offers no types (the mdev bus: no `mdev_supported_types`; core then says the parent "is not
 * currently registered for mdev support").
 */
export type ParentState = 'ready' | 'unregistered';

/** Which running devices to list: all, one uuid's, or one parent's. */
export interface ActiveDeviceFilter {
  readonly uuid?: string | undefined;
  readonly parent?: string | undefined;
}

/** What core gives a backend: the root, the one way to write to sysfs, the log and the environment. */
export interface BackendHost {
  /** The environment root (`MDEVCTL_ENV_ROOT`, default `/`); every path a backend reads is under it. */
  readonly root: string;
  /**
   * Writes `data` to an existing sysfs file as `echo -n data > path` would (never creates it; a
   * short write is an error): the kernel's sysfs, or on a simulated root the simulator, which
   * reacts as the kernel does. Throws a Node errno error when refused. Call it only from
   * `create`, `remove` and `writeAttribute` (core opens the write side just before a change).
   */
  write(path: string, data: string): void;
  readonly log: Logger;
  /** The environment of this mdevctl run (a backend reads this, never `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The file each change writes, named in messages and given to `query.explainRefusal`. */
export interface ChangeFiles {
  create(parent: string, type: string): string;
  remove(uuid: string): string;
  attribute(uuid: string, name: string): string;
}

/** The changes mdevctl makes to a running host. Each throws a Node errno error on refusal. */
export interface DeviceChanges {
  /** Creates device `uuid` of `type` on `parent` (mdev bus: echo uuid > …/<type>/create). */
  create(parent: string, type: string, uuid: string): void;
  /** Removes running device `uuid` (mdev bus: echo 1 > …/<uuid>/remove). */
  remove(uuid: string): void;
  /** Writes one attribute of running device `uuid` (mdev bus: echo value > …/<uuid>/<name>). */
  writeAttribute(uuid: string, name: string, value: string): void;
  /** The file each change writes, for messages. */
  readonly files: ChangeFiles;
}

/** What a backend reads: its parents, their types, the devices running on them. Never writes. */
export interface DeviceDiscovery {
  /** The parents this backend owns on the host now (any order; core sorts). */
  parents(): readonly string[];
  /** Whether `parent` is this backend's (and ready), or undefined when it is not this backend's. */
  parentState(parent: string): ParentState | undefined;
  /**
   * The types of one of its parents, sorted by type (bytewise): name, description, device API,
   * available instances. Throws an Error with one clear line when a file it must read is bad.
   */
  types(parent: string): MdevTypeInfo[];
  /** True when `parent` offers `type` now. */
  hasType(parent: string, type: string): boolean;
  /** How many more devices of `type` fit on `parent` now (≤ 0: none). */
  availableInstances(parent: string, type: string): number;
  /** Its running devices (sorted by uuid), all or those the filter picks. */
  activeDevices(filter?: ActiveDeviceFilter): ActiveDevice[];
  /** The running device with this uuid, when it is this backend's. */
  activeDevice(uuid: string): ActiveDevice | undefined;
  /**
   * The driver the parent device is bound to (the name of its `driver` link: `mtty`, `nvidia`),
   * for desired-state selectors by driver; absent or undefined: not known.
   */
  parentDriver?(parent: string): string | undefined;
  /**
   * The unit `parent` shares its resources with, that placement counts by (a VF's physical GPU:
   * `spread`, `pack` and `one-type-per-parent` then count devices and types per GPU, not per VF);
   * absent or undefined: the parent alone.
   */
  placementGroup?(parent: string): string | undefined;
  /** True when running device `uuid` has an attribute `name` that can be written. */
  hasAttribute(uuid: string, name: string): boolean;
  /**
   * What the host's refusal of a change means, in words (one line), or undefined. Asked after the
   * plugins' `query.explainRefusal` taps, when none of them answers.
   */
  explainRefusal?(refusal: KernelRefusal): string | undefined;
}

/** One kind of device host: discovery and changes for the parents it owns. */
export interface DeviceBackend extends DeviceDiscovery, DeviceChanges {
  /** A constant name (`mdev-bus`, `nvidia-vgpu`), in debug logs and messages. */
  readonly name: string;
  /** How `mdevctl monitor` watches it; absent: as the mdev bus (its uevents). */
  readonly watch?: BackendWatch;
  /**
   * False when its devices are not on the kernel's mdev bus (`/sys/bus/mdev/devices`): libvirt
   * makes an mdev node device of every entry of `list --dumpjson` and waits for it there, so such
   * devices are left out of `list --dumpjson` (shown with `-x`, in text `list` and `lsmdev`).
   * Absent or true: mediated devices.
   */
  readonly onMdevBus?: boolean;
}

/**
 * What a plugin gives core (`MdevctlPlugin.backends`): cheap detection, and the backend itself,
 * opened only when detection found something. Keep `open`'s code behind a dynamic `import()` so
 * that hosts without these parents never load it.
 */
export interface BackendProvider {
  /** A constant name; the backend it opens should carry the same one. */
  readonly name: string;
  /**
   * True when the host may have parents of this kind now (e.g. one readdir of
   * `sys/bus/pci/devices` and a stat per entry). Synchronous, no writes. Absent: always open.
   */
  detect?(host: BackendHost): boolean;
  /** The backend for this host, opened once per run. */
  open(host: BackendHost): DeviceBackend | Promise<DeviceBackend>;
  /**
   * Makes the parents that are SR-IOV virtual functions of PCI physical function `physfn` appear,
   * when the admin allowed this backend to (e.g. runs the driver's tool that enables VFs): asked by
   * `start-parent-mdevs --physfn PF` before it waits for them. Returns what it did in words
   * (logged), undefined when it does nothing; throws one line when it failed. Bounded.
   */
  prepare?(host: BackendHost, physfn: string): string | undefined;
}
