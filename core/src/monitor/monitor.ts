// `mdevctl monitor`: watches the definitions and every watched backend (sources.ts), rescans what
// a trigger touched once the triggers of ~100 ms have gathered (as libvirt waits), and prints the
// difference from the last state it knew (events.ts), filtered, one line per event. A change is
// reported once whoever made it: the printed state is always the last scan, never a source's
// message. Holds no lock; its state is the last scan only (memory stays flat); idle, it waits on
// inotify, udevadm's pipe or a timer.

import type { Logger } from '@mdevctl/plugin-sdk';
import { firstLine, messageOf } from '../model/errors.js';
import type { DefinitionStore } from '../store/definition-store.js';
import type { HostPaths } from '../host/paths.js';
import { watchOf, MDEV_SUBSYSTEM, type WatchedBackend } from './backends.js';
import {
  EMPTY_DEFINITIONS, EMPTY_DEVICES, diffDefinitions, diffDevices, matches, sortEvents,
  type DefinitionsSnapshot, type DevicesSnapshot, type EventFilter, type MonitorEvent, type RunningState,
} from './events.js';
import { formatEventJson, formatEventText } from './format.js';
import { scanBackend, scanDefinitions } from './scan.js';
import { DefinitionsWatch, DirWatch, IntervalSource, UeventSource, reportsOwnChanges, type Source, type UeventWatched } from './sources.js';

export const DEFINITIONS = 'definitions';

/** How long triggers gather before one rescan (libvirt waits 100 ms after an mdevctl change). */
export const COALESCE_MS = 100;
/** The rescan interval of the mdev bus where no udevadm runs. */
export const FALLBACK_RESCAN_MS = 2000;

export interface MonitorOptions extends EventFilter {
  readonly json?: boolean;
  /** Print the current state first, as events (parent-added, defined, started). */
  readonly initial?: boolean;
  /** End after this many events (printed ones, after the filter). */
  readonly count?: number | undefined;
  /** End after this many seconds. */
  readonly timeoutSeconds?: number | undefined;
}

export interface MonitorHost {
  readonly paths: HostPaths;
  readonly store: DefinitionStore;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** The backends open now (the plugins' ones, then the mdev bus). */
  readonly backends: () => readonly WatchedBackend[];
  /** Asks the plugins' providers that found no parents again; opens those that find some now. */
  readonly redetect?: () => Promise<void>;
}

/** How often backends that found no parents at the start are looked for again (one cheap detect each). */
export const REDETECT_MS = 10_000;

/** Writes one line; false when the reader has gone (EPIPE). */
export type WriteLine = (line: string) => boolean;

/** Exit status of a run ended by a signal: as the shell reports a death by it. */
const SIGNAL_STATUS: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

export class Monitor {
  private definitions: DefinitionsSnapshot = EMPTY_DEFINITIONS;
  private readonly devices = new Map<string, DevicesSnapshot>();
  private readonly dirty = new Set<string>();
  private gather: NodeJS.Timeout | undefined;
  private sources: Source[] = [];
  private backends: WatchedBackend[] = [];
  private detecting = false;
  private printed = 0;
  private finish: ((status: number, err?: unknown) => void) | undefined;
  private done = false;

  constructor(
    private readonly host: MonitorHost,
    private readonly options: MonitorOptions,
    private readonly writeLine: WriteLine,
  ) {}

  /** Runs until --count, --timeout, a signal or a closed stdout; resolves to the exit status. */
  run(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => this.end(SIGNAL_STATUS[signal]);
      const onInt = () => onSignal('SIGINT');
      const onTerm = () => onSignal('SIGTERM');
      let timeout: NodeJS.Timeout | undefined;
      this.finish = (status, err) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        if (timeout) clearTimeout(timeout);
        if (err === undefined) resolve(status);
        else reject(err);
      };
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      if (this.options.timeoutSeconds !== undefined) timeout = setTimeout(() => this.end(0), this.options.timeoutSeconds * 1000);
      // Sources first, then the first scan: a change made in between is seen by both, and the
      // difference makes it one event at most.
      const first: MonitorEvent[] = [];
      try {
        this.backends = [...this.host.backends()];
        const trigger = (domain: string, reason: string) => this.trigger(domain, reason);
        this.sources = [new DefinitionsWatch(this.host.paths.configBase, trigger, FALLBACK_RESCAN_MS), ...this.sourcesFor(this.backends)];
        if (this.host.redetect) this.sources.push(new IntervalSource(['backends'], REDETECT_MS, () => void this.redetect(), 'redetect'));
        for (const s of this.sources) s.start();
        const definitions = scanDefinitions(this.host.store, EMPTY_DEFINITIONS);
        first.push(...diffDefinitions(EMPTY_DEFINITIONS, definitions));
        this.definitions = definitions;
        for (const b of this.backends) this.devices.set(b.name, scanBackend(b));
        first.push(...diffDevices(EMPTY_DEVICES, this.merged()));
      } catch (err) {
        this.end(1, err);
        return;
      }
      this.host.log.debug(`monitor: watching definitions and ${this.backends.map((b) => `${b.name} (${describe(b)})`).join(', ')}`);
      if (this.options.initial) this.emit(sortEvents(first));
    });
  }

  /** The sources that tell the changes of these backends. */
  private sourcesFor(backends: readonly WatchedBackend[]): Source[] {
    const trigger = (domain: string, reason: string) => this.trigger(domain, reason);
    const sources: Source[] = [];
    const uevent: UeventWatched[] = [];
    for (const b of backends) {
      const watch = watchOf(b);
      if (watch.kind === 'timer') {
        sources.push(new IntervalSource([b.name], Math.max(watch.intervalMs, COALESCE_MS), trigger));
        continue;
      }
      // A tree that is not sysfs (a simulated host) tells its own changes through inotify: no
      // fallback rescan is needed for it while udevadm is not running.
      let watched = false;
      if (watch.subsystems.includes(MDEV_SUBSYSTEM)) {
        const dirs = [this.host.paths.mdevBase, this.host.paths.parentBase].filter(reportsOwnChanges);
        if (dirs.length === 2) {
          sources.push(new DirWatch(dirs, b.name, trigger));
          watched = true;
        }
      }
      uevent.push({ domain: b.name, subsystems: watch.subsystems, fallback: !watched });
    }
    if (uevent.length > 0) {
      sources.push(new UeventSource({ watched: uevent, trigger, fallbackMs: FALLBACK_RESCAN_MS, env: this.host.env, log: this.host.log }));
    }
    return sources;
  }

  /**
   * A backend whose parents were not there at the start (a driver loaded later) is opened once
   * its provider detects them: from then on it is watched as the others, its parents and devices
   * reported as they are found.
   */
  private async redetect(): Promise<void> {
    if (this.detecting || this.done || !this.host.redetect) return;
    this.detecting = true;
    try {
      await this.host.redetect();
    } catch (err) {
      this.host.log.warn(`monitor: cannot detect the plugins' backends now: ${firstLine(messageOf(err))}`);
    } finally {
      this.detecting = false;
    }
    if (this.done) return;
    const added = this.host.backends().filter((b) => !this.backends.includes(b));
    if (added.length === 0) return;
    const before = this.merged();
    // In the order every command asks them: the plugins' ones before the mdev bus.
    this.backends = [...this.host.backends()];
    const sources = this.sourcesFor(added);
    this.sources.push(...sources);
    for (const src of sources) src.start();
    const events: MonitorEvent[] = [];
    for (const b of added) this.scanning(b.name, () => this.devices.set(b.name, scanBackend(b)));
    events.push(...diffDevices(before, this.merged()));
    this.host.log.debug(`monitor: now also watching ${added.map((b) => `${b.name} (${describe(b)})`).join(', ')}: ${events.length} changes`);
    this.emit(sortEvents(events));
  }

  private trigger(domain: string, reason: string): void {
    if (this.done) return;
    this.host.log.debug(`monitor: ${domain}: ${reason}`);
    this.dirty.add(domain);
    this.gather ??= setTimeout(() => {
      this.gather = undefined;
      this.rescan();
    }, COALESCE_MS);
  }

  /** Rescans the dirty domains and prints what changed. */
  private rescan(): void {
    if (this.done) return;
    const domains = new Set(this.dirty);
    this.dirty.clear();
    const events: MonitorEvent[] = [];
    // A scan that fails (a backend's read error) leaves that state as it was: the next trigger tries again.
    if (domains.has(DEFINITIONS)) {
      this.scanning(DEFINITIONS, () => {
        const now = scanDefinitions(this.host.store, this.definitions);
        events.push(...diffDefinitions(this.definitions, now));
        this.definitions = now;
      });
    }
    const before = this.merged();
    let scanned = false;
    for (const b of this.backends) {
      if (!domains.has(b.name)) continue;
      this.scanning(b.name, () => this.devices.set(b.name, scanBackend(b)));
      scanned = true;
    }
    if (scanned) events.push(...diffDevices(before, this.merged()));
    this.host.log.debug(`monitor: rescanned ${[...domains].join(', ')}: ${events.length} changes`);
    this.emit(sortEvents(events));
  }

  /**
   * The backends' parents and running devices as every command sees them (sysfs/backends.ts): a
   * parent two backends list is one parent; a uuid two report is the first backend's.
   */
  private merged(): DevicesSnapshot {
    if (this.backends.length === 1) return this.devices.get(this.backends[0]?.name ?? '') ?? EMPTY_DEVICES;
    const parents = new Set<string>();
    const running = new Map<string, RunningState>();
    for (const b of this.backends) {
      const snap = this.devices.get(b.name) ?? EMPTY_DEVICES;
      for (const p of snap.parents) parents.add(p);
      for (const [uuid, d] of snap.running) if (!running.has(uuid)) running.set(uuid, d);
    }
    return { parents, running };
  }

  private scanning(domain: string, scan: () => void): void {
    try {
      scan();
    } catch (err) {
      this.host.log.warn(`monitor: cannot read ${domain} now: ${firstLine(messageOf(err))}`);
    }
  }

  private emit(events: readonly MonitorEvent[]): void {
    const time = new Date();
    for (const e of events) {
      if (this.done) return;
      if (!matches(e, this.options)) continue;
      const line = this.options.json ? formatEventJson(e, time) : formatEventText(e, time);
      let written: boolean;
      try {
        written = this.writeLine(line);
      } catch (err) {
        // stdout itself failed (a full disk): the run fails as every command's does (one line, exit 1).
        return this.end(1, err);
      }
      if (!written) return this.end(0);
      this.printed++;
      if (this.options.count !== undefined && this.printed >= this.options.count) return this.end(0);
    }
  }

  private end(status: number, err?: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.gather) clearTimeout(this.gather);
    this.gather = undefined;
    for (const s of this.sources) s.stop();
    this.sources = [];
    this.finish?.(status, err);
  }
}

function describe(b: WatchedBackend): string {
  const w = watchOf(b);
  return w.kind === 'timer' ? `timer ${w.intervalMs} ms` : `uevents of ${w.subsystems.join(', ')}`;
}
