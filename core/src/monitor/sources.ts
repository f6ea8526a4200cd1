// What wakes the monitor. Each source calls `trigger(domain, reason)`: the domain is
// `definitions` or a backend's name, the reason goes to the debug log. None of them polls where
// something can tell:
// - DefinitionsWatch: inotify (fs.watch) on etc/mdevctl.d and on each parent dir in it; a new
//   parent dir is watched as soon as the top dir reports it (and rescanned, so a file written
//   into it before its watch was in place is not missed).
// - DirWatch: inotify on directories that report their own changes (the mdev bus's dirs on a
//   tree that is not sysfs: a simulated host). Real sysfs sends no inotify events for them.
// - UeventSource: the kernel's uevents through `udevadm monitor --kernel --property` (node has
//   no netlink socket), a child process restarted if it dies; while it is not running (no
//   udevadm, or between restarts) its backends are rescanned on a timer instead.
// - IntervalSource: a rescan timer (a backend whose hardware sends no event; the fallback).

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statfsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@mdevctl/plugin-sdk';
import { MDEV_SUBSYSTEM } from './backends.js';

export type Trigger = (domain: string, reason: string) => void;

export interface Source {
  start(): void;
  stop(): void;
}

/** The filesystem magic number of sysfs (statfs f_type). */
const SYSFS_MAGIC = 0x62656572;

/** True when `dir` exists and is not on sysfs: inotify tells its changes. */
export function reportsOwnChanges(dir: string): boolean {
  try {
    return statfsSync(dir).type !== SYSFS_MAGIC;
  } catch {
    return false;
  }
}

function quietWatch(dir: string, onEvent: () => void, onError: () => void): FSWatcher | undefined {
  try {
    const w = watch(dir, { persistent: true }, onEvent);
    w.on('error', onError);
    return w;
  } catch {
    return undefined;
  }
}

export class DefinitionsWatch implements Source {
  private top: FSWatcher | undefined;
  private readonly parents = new Map<string, FSWatcher>();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly base: string,
    private readonly trigger: Trigger,
    private readonly retryMs: number,
  ) {}

  start(): void {
    this.top = quietWatch(
      this.base,
      () => {
        this.syncParents();
        this.trigger('definitions', 'inotify etc/mdevctl.d');
      },
      () => this.lost(),
    );
    if (this.top === undefined) return this.lost();
    this.syncParents();
  }

  stop(): void {
    this.top?.close();
    this.top = undefined;
    for (const w of this.parents.values()) w.close();
    this.parents.clear();
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
  }

  /** Watches each parent dir now in the top dir; lets go of those gone. */
  private syncParents(): void {
    let names: string[];
    try {
      names = readdirSync(this.base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      names = [];
    }
    const now = new Set(names);
    for (const [name, w] of this.parents) {
      if (!now.has(name)) {
        w.close();
        this.parents.delete(name);
      }
    }
    for (const name of names) {
      if (this.parents.has(name)) continue;
      const w = quietWatch(
        join(this.base, name),
        () => this.trigger('definitions', `inotify etc/mdevctl.d/${name}`),
        () => {
          this.parents.get(name)?.close();
          this.parents.delete(name);
          this.trigger('definitions', `etc/mdevctl.d/${name} went away`);
        },
      );
      if (w) this.parents.set(name, w);
    }
  }

  /** The top dir cannot be watched (gone, replaced): rescan on a timer until it can. */
  private lost(): void {
    this.stop();
    this.trigger('definitions', 'etc/mdevctl.d not watchable');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
      this.trigger('definitions', 'etc/mdevctl.d watched again');
    }, this.retryMs);
  }
}

/** inotify on fixed dirs (each change triggers `domain`); dirs that are absent are not watched. */
export class DirWatch implements Source {
  private watchers: FSWatcher[] = [];

  constructor(
    private readonly dirs: readonly string[],
    private readonly domain: string,
    private readonly trigger: Trigger,
  ) {}

  start(): void {
    for (const dir of this.dirs) {
      const w = quietWatch(dir, () => this.trigger(this.domain, `inotify ${dir}`), () => this.trigger(this.domain, `${dir} went away`));
      if (w) this.watchers.push(w);
    }
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}

export class IntervalSource implements Source {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly domains: readonly string[],
    private readonly intervalMs: number,
    private readonly trigger: Trigger,
    private readonly reason = 'timer',
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      for (const d of this.domains) this.trigger(d, this.reason);
    }, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}

/** One uevent as udevadm prints it with --property: its KEY=value lines. */
export type Uevent = ReadonlyMap<string, string>;

/** Which backends (domains) a uevent concerns: its subsystem is theirs, or (mdev bus) a parent's MDEV_STATE. */
export function domainsOf(event: Uevent, watched: readonly UeventWatched[]): string[] {
  const subsystem = event.get('SUBSYSTEM');
  const mdevState = event.has('MDEV_STATE');
  return watched
    .filter((w) => (subsystem !== undefined && w.subsystems.includes(subsystem)) || (mdevState && w.subsystems.includes(MDEV_SUBSYSTEM)))
    .map((w) => w.domain);
}

/**
 * udevadm's arguments. With the mdev bus watched, no subsystem filter: a parent announces itself
 * (MDEV_STATE=registered) on its own subsystem, which can be any (pci, css, ap, mtty…).
 */
export function udevadmArgs(subsystems: readonly string[]): string[] {
  const args = ['monitor', '--kernel', '--property'];
  if (subsystems.includes(MDEV_SUBSYSTEM)) return args;
  return [...args, ...[...new Set(subsystems)].map((s) => `--subsystem-match=${s}`)];
}

/** The longest udevadm output kept while a uevent is incomplete; more is dropped (and rescanned). */
const MAX_PENDING_BYTES = 64 * 1024;
const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 60_000;

/** A backend the uevent source watches: its subsystems, and whether to rescan it on a timer while no udevadm runs. */
export interface UeventWatched {
  readonly domain: string;
  readonly subsystems: readonly string[];
  /** False when another source already tells its changes (a simulated host's inotify). */
  readonly fallback?: boolean;
}

export interface UeventOptions {
  readonly watched: readonly UeventWatched[];
  readonly trigger: Trigger;
  /** Rescan interval of its domains while no udevadm runs. */
  readonly fallbackMs: number;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  /** The program (default `udevadm`, looked up on the environment's PATH). */
  readonly program?: string;
}

export class UeventSource implements Source {
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartMs = FIRST_RESTART_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly fallback: IntervalSource | undefined;
  private readonly domains: string[];
  private starts = 0;

  constructor(private readonly o: UeventOptions) {
    this.domains = o.watched.map((w) => w.domain);
    const fallback = o.watched.filter((w) => w.fallback !== false).map((w) => w.domain);
    this.fallback = fallback.length > 0 ? new IntervalSource(fallback, o.fallbackMs, o.trigger, 'fallback timer (no udevadm running)') : undefined;
  }

  start(): void {
    this.stopped = false;
    this.spawnChild();
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.fallback?.stop();
    const child = this.child;
    this.child = undefined;
    // A spawn that failed (not yet reported) has no pid: never kill() it (pid 0 is the whole group).
    if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }

  private spawnChild(): void {
    const program = this.o.program ?? 'udevadm';
    const args = udevadmArgs(this.o.watched.flatMap((w) => w.subsystems));
    let child: ChildProcess;
    try {
      child = spawn(program, args, { stdio: ['ignore', 'pipe', 'ignore'], env: this.o.env });
    } catch (err) {
      this.died(`cannot run ${program}: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.starts++;
    this.o.log.debug(`monitor: uevents: running ${program} ${args.join(' ')} (start ${this.starts})`);
    let pending = '';
    let block = new Map<string, string>();
    let listening = false;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      pending += chunk;
      if (pending.length > MAX_PENDING_BYTES) {
        pending = '';
        block = new Map();
        for (const d of this.domains) this.o.trigger(d, 'uevents: over-long output dropped');
        return;
      }
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!listening) {
          // The header ends with the empty line after "KERNEL - the kernel uevent": listening now.
          // Anything that changed before is found by the rescan this triggers.
          if (line === '') {
            listening = true;
            this.restartMs = FIRST_RESTART_MS;
            this.fallback?.stop();
            for (const d of this.domains) this.o.trigger(d, `uevents: ${program} listening`);
          }
          continue;
        }
        if (line === '') {
          if (block.size > 0) {
            for (const d of domainsOf(block, this.o.watched)) {
              this.o.trigger(d, `uevent ${block.get('ACTION') ?? '?'} ${block.get('SUBSYSTEM') ?? '?'} ${block.get('DEVPATH') ?? '?'}`);
            }
          }
          block = new Map();
          continue;
        }
        const eq = line.indexOf('=');
        if (eq > 0) block.set(line.slice(0, eq), line.slice(eq + 1));
      }
    });
    child.on('error', (err) => {
      if (this.child !== child) return;
      const code = (err as NodeJS.ErrnoException).code;
      // Not installed (a container without udev): look again only once a minute.
      if (code === 'ENOENT') this.restartMs = MAX_RESTART_MS;
      this.died(`cannot run ${program}: ${code ?? err.message}`);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.died(`${program} ended (${signal ?? `status ${code ?? '?'}`})`);
    });
  }

  /** udevadm is not running: rescan on the fallback timer, and try it again (backing off). */
  private died(why: string): void {
    this.child = undefined;
    if (this.stopped) return;
    this.fallback?.start();
    for (const d of this.domains) this.o.trigger(d, `uevents: ${why}`);
    const meanwhile = this.fallback ? `rescanning every ${this.o.fallbackMs} ms, ` : '';
    this.o.log.debug(`monitor: uevents: ${why}; ${meanwhile}trying again in ${this.restartMs} ms`);
    if (this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.spawnChild();
    }, this.restartMs);
    this.restartMs = Math.min(this.restartMs * 2, MAX_RESTART_MS);
  }
}
