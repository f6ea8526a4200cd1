// The attributes of a vfio-ap definition: which ones exist, whether their values are ids the
// kernel will take (range 0..ap_max_adapter_id / ap_max_domain_id), and the APQN matrix they add
// up to when written in order (ap_config replaces the whole matrix; the kernel's unassign_*
// files take an id out again). Pure: the host's limits come in as arguments.

import type { Attribute } from '@mdevctl/plugin-sdk';
import { parseApConfig, parseIdList, sortedIds, type ApMatrix } from './apqn.js';

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
}

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
 * Checks every attribute and builds the matrix. `strict` (a start): a comma list, which the
 * kernel refuses (it takes one id per write), is an error; otherwise (define, modify) a warning.
 */
export function checkAttributes(attrs: readonly Attribute[], limits: ApLimits, strict: boolean): AttributeCheck {
  const problems: AttributeProblem[] = [];
  const error = (message: string): void => void problems.push({ severity: 'error', message });
  const warn = (message: string): void => void problems.push({ severity: 'warning', message });
  const sets: Record<Kind, Set<number>> = { adapter: new Set(), domain: new Set(), control: new Set() };
  let apConfigs = 0;

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
      continue;
    }
    if (kind === undefined) {
      error(`Unknown vfio-ap attribute '${name}' (vfio-ap takes ${ATTRIBUTES.join(', ')})`);
      continue;
    }
    const ids = parseIdList(value);
    if (ids === undefined) {
      error(`${name} '${value}' is not a ${NOUN[kind]} id (decimal or 0x hex, or a comma list of them)`);
      continue;
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
      else sets[kind].add(id);
    }
  }
  if (apConfigs > 1) warn(`ap_config is given ${apConfigs} times; each replaces the matrix set before it`);
  return {
    matrix: { adapters: sortedIds(sets.adapter), domains: sortedIds(sets.domain), controls: sortedIds(sets.control) },
    problems,
  };
}
