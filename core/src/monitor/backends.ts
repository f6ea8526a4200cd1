// What the monitor watches: a list of backends, each with how it is watched (BackendWatch: the
// kernel's uevents of some subsystems, or a rescan timer for hardware that sends none) and the
// reads it needs (its parents, its running devices). The kernel's mdev bus is one of them
// (uevents on `mdev`); a backend a plugin provides brings its own `watch`, so the monitor takes
// it without changes here.

import type { ActiveDevice } from '@mdevctl/plugin-sdk';
import type { SysfsReader } from '../sysfs/reader.js';

/** How a backend is watched (the SDK's DeviceBackend.watch has this shape). */
export type BackendWatch =
  | { readonly kind: 'uevent'; readonly subsystems: readonly string[] }
  | { readonly kind: 'timer'; readonly intervalMs: number };

/** The part of a backend the monitor uses (a DeviceBackend of the SDK has all of it). */
export interface WatchedBackend {
  /** A constant name, in debug logs. */
  readonly name: string;
  /** Absent: as the mdev bus (its uevents). */
  readonly watch?: BackendWatch | undefined;
  parents(): readonly string[];
  activeDevices(): readonly ActiveDevice[];
}

/** The mdev bus's own subsystem: its devices' uevents, and its parents' MDEV_STATE changes. */
export const MDEV_SUBSYSTEM = 'mdev';

export const MDEV_BUS_WATCH: BackendWatch = { kind: 'uevent', subsystems: [MDEV_SUBSYSTEM] };

/** The kernel's mdev bus as core's reader sees it. */
export function mdevBusBackend(reader: SysfsReader): WatchedBackend {
  return {
    name: 'mdev-bus',
    watch: MDEV_BUS_WATCH,
    parents: () => reader.parents(),
    activeDevices: () => reader.activeDevices(),
  };
}

/** A backend's watch, the mdev bus's when it says none. */
export function watchOf(backend: WatchedBackend): BackendWatch {
  return backend.watch ?? MDEV_BUS_WATCH;
}
