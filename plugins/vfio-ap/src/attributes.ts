// The attributes of a vfio-ap definition: which ones exist, whether their values are ids the
// kernel will take (range 0..ap_max_adapter_id / ap_max_domain_id), and the APQN matrix they add
// up to when written in order (ap_config replaces the whole matrix; the kernel's unassign_*
// files take an id out again), and the conflicts the kernel finds write by write. Pure: the
// host's limits and the conflict check come in as arguments.

import type { Attribute } from '@mdevctl/plugin-sdk';
import { isOctal, parseApConfig, parseIdList, sortedIds, type ApMatrix } from './apqn.js';

export const ATTRIBUTES = [
  'assign_adapter',
  'assign_domain',
  'assign_control_domain',
  'ap_config',
  'unassign_adapter',
  'unassign_domain',
  'unassign_control_domain',
] as const;

/** The highest ids this system takes, with where they were read (for messages). */
export interface ApLimits {
  readonly maxAdapter: number;
  readonly maxDomain: number;
  /** True when read from /sys/bus/ap; false: the architecture's 255 (the files are absent). */
  readonly fromSysfs: boolean;
}

export const DEFAULT_LIMITS: ApLimits = { maxAdapter: 255, maxDomain: 255, fromSysfs: false };

export interface AttributeProblem {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export interface AttributeCheck {
  readonly matrix: ApMatrix;
  readonly problems: readonly AttributeProblem[];
  /** What `conflictsAt` found, write by write (empty without it). */
  readonly conflicts: readonly string[];
}

/**
 * The conflicts of the matrix a write leaves (another device's or the host's APQNs), as the
 * kernel checks them after each assign_adapter, assign_domain and ap_config (it refuses a write
 * that conflicts). One list per kind of holder, in the order they are reported.
 */
export type ConflictCheck = (matrix: ApMatrix) => ReadonlyArray<readonly string[]>;

type Kind = 'adapter' | 'domain' | 'control';

const KIND_OF: Record<string, Kind> = {
  assign_adapter: 'adapter',
  assign_domain: 'domain',
  assign_control_domain: 'control',
  unassign_adapter: 'adapter',
  unassign_domain: 'domain',
  unassign_control_domain: 'control',
};

const NOUN: Record<Kind, string> = { adapter: 'adapter', domain: 'domain', control: 'control domain' };

function limitText(kind: Kind, limits: ApLimits): string {
  const max = kind === 'adapter' ? limits.maxAdapter : limits.maxDomain;
  if (!limits.fromSysfs) return `${max}`;
  return `${max}, /sys/bus/ap/${kind === 'adapter' ? 'ap_max_adapter_id' : 'ap_max_domain_id'}`;
}

/**
 * Checks every attribute and builds the matrix, applying the writes in order as the kernel does.
 * `strict` (a start): a comma list, which the kernel refuses (it takes one id per write), is an
 * error; otherwise (define, modify) a warning. `conflictsAt`: checked after each write that can
 * conflict, so an unassign after a conflicting assign does not hide the conflict.
 */
export function checkAttributes(attrs: readonly Attribute[], limits: ApLimits, strict: boolean, conflictsAt?: ConflictCheck): AttributeCheck {
  const problems: AttributeProblem[] = [];
  const error = (message: string): void => void problems.push({ severity: 'error', message });
  const warn = (message: string): void => void problems.push({ severity: 'warning', message });
  const sets: Record<Kind, Set<number>> = { adapter: new Set(), domain: new Set(), control: new Set() };
  let apConfigs = 0;
  /** Each conflict line found, with its group (the conflict check's order of kinds). */
  const conflicts = new Map<string, number>();
  const matrixOf = (): ApMatrix => ({ adapters: sortedIds(sets.adapter), domains: sortedIds(sets.domain), controls: sortedIds(sets.control) });
  /**
   * After a write the kernel validates: its conflicts. The kernel would refuse that write (and
   * the start fail there); the write is kept here so that every conflict of the definition is
   * reported at once (for writes that only add, the union is the final matrix's conflicts).
   */
  const validated = (): void => {
    if (!conflictsAt) return;
    for (const [g, lines] of conflictsAt(matrixOf()).entries()) for (const line of lines) if (!conflicts.has(line)) conflicts.set(line, g);
  };

  const inRange = (kind: Kind, id: number, what: string): boolean => {
    const max = kind === 'adapter' ? limits.maxAdapter : limits.maxDomain;
    if (id <= max) return true;
    error(`${what}: ${NOUN[kind]} ${id} is above this system's highest ${NOUN[kind]} id (${limitText(kind, limits)})`);
    return false;
  };

  for (const { name, value } of attrs) {
    const kind = KIND_OF[name];
    if (name === 'ap_config') {
      apConfigs++;
      const masks = parseApConfig(value);
      if (masks === undefined) {
        error(`ap_config '${value}' is not three 256-bit masks 'adapters,domains,control domains' (0x and up to 64 hex digits each)`);
        continue;
      }
      const [a, d, c] = masks;
      const okA = a.filter((id) => inRange('adapter', id, `ap_config '${value}'`));
      const okD = d.filter((id) => inRange('domain', id, `ap_config '${value}'`));
      const okC = c.filter((id) => inRange('control', id, `ap_config '${value}'`));
      sets.adapter = new Set(okA);
      sets.domain = new Set(okD);
      sets.control = new Set(okC);
      validated();
      continue;
    }
    if (kind === undefined) {
      error(`Unknown vfio-ap attribute '${name}' (vfio-ap takes ${ATTRIBUTES.join(', ')})`);
      continue;
    }
    const ids = parseIdList(value);
    if (ids === undefined) {
      const octal = value.split(',').some((v) => isOctal(v.trim()) && /[89]/.test(v));
      error(
        octal
          ? `${name} '${value}' is no ${NOUN[kind]} id: the kernel reads a leading 0 as octal, where 8 and 9 are no digits (write it without the 0, or as 0x hex)`
          : `${name} '${value}' is not a ${NOUN[kind]} id (decimal or 0x hex, or a comma list of them)`,
      );
      continue;
    }
    for (const [i, item] of value.split(',').entries()) {
      const id = ids[i];
      if (isOctal(item.trim()) && id !== undefined && id !== Number.parseInt(item.trim(), 10)) {
        warn(`${name} '${value}': the kernel reads ${item.trim()} as octal, ${NOUN[kind]} ${id} (0x${id.toString(16)}); write ${id} if that is meant`);
      }
    }
    if (ids.length > 1) {
      const text = `${name} '${value}': the kernel takes one id per write, so the start would fail; give each id its own ${name} attribute`;
      if (strict) error(text);
      else warn(text);
    }
    for (const id of ids) {
      if (!inRange(kind, id, `${name} '${value}'`)) continue;
      if (name.startsWith('unassign_')) sets[kind].delete(id);
      else if (sets[kind].has(id)) warn(`${name} ${id} is given more than once`);
      else {
        sets[kind].add(id);
        if (kind !== 'control') validated(); // control domains never conflict
      }
    }
  }
  if (apConfigs > 1) warn(`ap_config is given ${apConfigs} times; each replaces the matrix set before it`);
  return { matrix: matrixOf(), problems, conflicts: sortedConflicts(conflicts) };
}

/** By group, then as the lines sort (`APQN AA.DDDD … holder`: by APQN, then holder). */
function sortedConflicts(found: Map<string, number>): string[] {
  return [...found].sort(([a, ga], [b, gb]) => ga - gb || (a < b ? -1 : a > b ? 1 : 0)).map(([line]) => line);
}
