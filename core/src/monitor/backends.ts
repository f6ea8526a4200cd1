// What the monitor watches: the host's device backends (sysfs/backends.ts: the plugins' ones, then
// the kernel's mdev bus), each with how it is watched (SDK BackendWatch: the kernel's uevents of
// some subsystems, or a rescan timer for hardware that sends none) and the reads the monitor
// needs (its parents, its running devices). A backend a plugin provides brings its own `watch`,
// so the monitor takes it without changes here.

import type { BackendWatch, DeviceBackend } from '@mdevctl/plugin-sdk';
import { MDEV_BUS_WATCH } from '../sysfs/mdev-bus.js';

/** The part of a backend the monitor uses (every DeviceBackend has it). */
export type WatchedBackend = Pick<DeviceBackend, 'name' | 'watch' | 'parents' | 'activeDevices'>;

/** The mdev bus's own subsystem: its devices' uevents, and its parents' MDEV_STATE changes. */
export const MDEV_SUBSYSTEM = 'mdev';

/** A backend's watch; the SDK says a backend without one is watched as the mdev bus. */
export function watchOf(backend: WatchedBackend): BackendWatch {
  return backend.watch ?? MDEV_BUS_WATCH;
}
