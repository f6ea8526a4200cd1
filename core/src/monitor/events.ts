// The monitor's model: what one scan of the host holds (definitions, running devices, parents),
// the events between two scans, and the filter. Pure: no I/O here, so the difference between two
// states (what `mdevctl monitor` prints) is tested directly.

import { compareBytes } from '../model/order.js';

export type EventKind = 'parent-added' | 'stopped' | 'undefined' | 'defined' | 'modified' | 'started' | 'parent-removed';

/** What `modified` says changed in a definition. */
export type Change = 'type' | 'start' | 'attrs';

export interface MonitorEvent {
  readonly event: EventKind;
  /** Absent for parent-added/parent-removed. */
  readonly uuid?: string;
  readonly parent: string;
  /** Absent for parent-added/parent-removed. */
  readonly type?: string;
  /** `modified` only: what changed, in this order. */
  readonly changed?: readonly Change[];
}

/** A definition as the monitor compares it. */
export interface DefinitionState {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
  readonly start: string;
  /** The attributes as one JSON text (equal text: equal attributes, order included). */
  readonly attrs: string;
}

/** A running device as the monitor compares it. */
export interface RunningState {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
}

/** One side of the host: definitions by `parent/uuid`, or running devices by uuid and parents. */
export interface DefinitionsSnapshot {
  readonly definitions: ReadonlyMap<string, DefinitionState>;
}

export interface DevicesSnapshot {
  readonly running: ReadonlyMap<string, RunningState>;
  readonly parents: ReadonlySet<string>;
}

export const EMPTY_DEFINITIONS: DefinitionsSnapshot = { definitions: new Map() };
export const EMPTY_DEVICES: DevicesSnapshot = { running: new Map(), parents: new Set() };

/** The order events of one rescan are printed in: a parent before its devices, its devices before it goes. */
const ORDER: readonly EventKind[] = ['parent-added', 'stopped', 'undefined', 'defined', 'modified', 'started', 'parent-removed'];

export function definitionKey(parent: string, uuid: string): string {
  return `${parent}/${uuid}`;
}

/** The events that turn `before` into `after` (definitions). */
export function diffDefinitions(before: DefinitionsSnapshot, after: DefinitionsSnapshot): MonitorEvent[] {
  const out: MonitorEvent[] = [];
  for (const [key, old] of before.definitions) {
    if (!after.definitions.has(key)) out.push({ event: 'undefined', uuid: old.uuid, parent: old.parent, type: old.type });
  }
  for (const [key, now] of after.definitions) {
    const old = before.definitions.get(key);
    if (old === undefined) {
      out.push({ event: 'defined', uuid: now.uuid, parent: now.parent, type: now.type });
      continue;
    }
    const changed: Change[] = [];
    if (old.type !== now.type) changed.push('type');
    if (old.start !== now.start) changed.push('start');
    if (old.attrs !== now.attrs) changed.push('attrs');
    if (changed.length > 0) out.push({ event: 'modified', uuid: now.uuid, parent: now.parent, type: now.type, changed });
  }
  return sortEvents(out);
}

/**
 * The events that turn `before` into `after` (running devices and parents). A uuid running on
 * another parent or with another type than before was stopped and started again in between.
 */
export function diffDevices(before: DevicesSnapshot, after: DevicesSnapshot): MonitorEvent[] {
  const out: MonitorEvent[] = [];
  for (const p of after.parents) if (!before.parents.has(p)) out.push({ event: 'parent-added', parent: p });
  for (const p of before.parents) if (!after.parents.has(p)) out.push({ event: 'parent-removed', parent: p });
  for (const [uuid, old] of before.running) {
    const now = after.running.get(uuid);
    if (now === undefined || now.parent !== old.parent || now.type !== old.type) {
      out.push({ event: 'stopped', uuid, parent: old.parent, type: old.type });
    }
  }
  for (const [uuid, now] of after.running) {
    const old = before.running.get(uuid);
    if (old === undefined || now.parent !== old.parent || now.type !== old.type) {
      out.push({ event: 'started', uuid, parent: now.parent, type: now.type });
    }
  }
  return sortEvents(out);
}

/** Events in ORDER, then by parent, then uuid (bytewise, as listings sort). */
export function sortEvents(events: MonitorEvent[]): MonitorEvent[] {
  return events.sort(
    (a, b) =>
      ORDER.indexOf(a.event) - ORDER.indexOf(b.event) ||
      compareBytes(a.parent, b.parent) ||
      compareBytes(a.uuid ?? '', b.uuid ?? ''),
  );
}

export interface EventFilter {
  readonly uuid?: string | undefined;
  readonly parent?: string | undefined;
}

/** -u keeps the events of that uuid (no parent events); -p those of that parent (its own too). */
export function matches(e: MonitorEvent, filter: EventFilter): boolean {
  if (filter.uuid !== undefined && e.uuid !== filter.uuid) return false;
  if (filter.parent !== undefined && e.parent !== filter.parent) return false;
  return true;
}
