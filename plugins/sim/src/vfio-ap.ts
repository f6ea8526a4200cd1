// vfio_ap as 6.1 has it: the AP bus's host masks (apmask/aqmask, 256 bits, bit 0 leftmost),
// the per-device matrix (adapters × usage domains, control domains) kept in the device's
// read-only `matrix` and `control_domains` files, and the assign/unassign stores. Also the
// `ap_config` attribute of later kernels (6.10+): the whole matrix as `amask,dmask,cmask`.

import { join } from 'node:path';
import { kstrtoul, type SimErrnoCode } from './errno.js';
import { MODE_RO, readText, replaceFile } from './fsops.js';
import type { SimHost } from './host.js';

export const AP_BITS = 256;

export const VFIO_AP_WRITABLE = [
  'assign_adapter',
  'unassign_adapter',
  'assign_domain',
  'unassign_domain',
  'assign_control_domain',
  'unassign_control_domain',
] as const;

export type VfioApAttr = (typeof VFIO_AP_WRITABLE)[number];

export function isVfioApWritable(name: string): name is VfioApAttr {
  return (VFIO_AP_WRITABLE as readonly string[]).includes(name);
}

export interface ApMatrix {
  adapters: Set<number>;
  domains: Set<number>;
  controls: Set<number>;
}

/** `0x` + 64 hex digits, bit 0 = most significant bit of the first byte. */
export function formatMask(bits: ReadonlySet<number>): string {
  let hex = '';
  for (let byte = 0; byte < AP_BITS / 8; byte++) {
    let v = 0;
    for (let i = 0; i < 8; i++) if (bits.has(byte * 8 + i)) v |= 0x80 >> i;
    hex += v.toString(16).padStart(2, '0');
  }
  return `0x${hex}`;
}

/** The bits of a mask in formatMask's form (a shorter hex string fills from the left). */
export function parseMaskHex(text: string): Set<number> | undefined {
  let s = text.trim();
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2);
  if (s.length === 0 || s.length > AP_BITS / 4 || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  const bits = new Set<number>();
  for (let i = 0; i < s.length; i++) {
    const v = parseInt(s[i] ?? '0', 16);
    for (let b = 0; b < 4; b++) if (v & (0x8 >> b)) bits.add(i * 4 + b);
  }
  return bits;
}

/** The host's masks: an APQN (a, d) is host-owned when a ∈ apmask and d ∈ aqmask. */
export interface HostMasks {
  apmask: Set<number>;
  aqmask: Set<number>;
  maxAdapter: number;
  maxDomain: number;
}

function readNumber(path: string, fallback: number): number {
  try {
    const n = Number.parseInt(readText(path).trim(), 10);
    return Number.isInteger(n) ? n : fallback;
  } catch {
    return fallback;
  }
}

function readMask(path: string): Set<number> {
  try {
    return parseMaskHex(readText(path)) ?? new Set();
  } catch {
    return new Set();
  }
}

export function readHostMasks(host: SimHost): HostMasks {
  const ap = host.sysPath('bus/ap');
  return {
    apmask: readMask(join(ap, 'apmask')),
    aqmask: readMask(join(ap, 'aqmask')),
    maxAdapter: readNumber(join(ap, 'ap_max_adapter_id'), 255),
    maxDomain: readNumber(join(ap, 'ap_max_domain_id'), 255),
  };
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function sorted(s: ReadonlySet<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

/** The `matrix` file: `AA.DDDD` per APQN; `AA.` / `.DDDD` when only one side is assigned. */
export function formatMatrix(m: ApMatrix): string {
  const as = sorted(m.adapters);
  const ds = sorted(m.domains);
  if (as.length > 0 && ds.length > 0) return as.flatMap((a) => ds.map((d) => `${hex(a, 2)}.${hex(d, 4)}\n`)).join('');
  if (as.length > 0) return as.map((a) => `${hex(a, 2)}.\n`).join('');
  return ds.map((d) => `.${hex(d, 4)}\n`).join('');
}

export function formatControls(m: ApMatrix): string {
  return sorted(m.controls)
    .map((d) => `${hex(d, 4)}\n`)
    .join('');
}

/** Reads a device's matrix back from its `matrix` and `control_domains` files. */
export function readMatrix(devDir: string): ApMatrix {
  const m: ApMatrix = { adapters: new Set(), domains: new Set(), controls: new Set() };
  const read = (f: string): string[] => {
    try {
      return readText(join(devDir, f)).split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  };
  for (const line of read('matrix')) {
    const [a, d] = line.split('.');
    if (a !== undefined && a !== '') m.adapters.add(parseInt(a, 16));
    if (d !== undefined && d !== '') m.domains.add(parseInt(d, 16));
  }
  for (const line of read('control_domains')) m.controls.add(parseInt(line, 16));
  return m;
}

/** The `ap_config` file: the three masks, comma-separated, as the kernel shows them. */
export function formatApConfig(m: ApMatrix): string {
  return `${formatMask(m.adapters)},${formatMask(m.domains)},${formatMask(m.controls)}\n`;
}

export function writeMatrix(host: SimHost, devDir: string, m: ApMatrix): void {
  replaceFile(host.tmpDir, join(devDir, 'matrix'), formatMatrix(m), MODE_RO);
  replaceFile(host.tmpDir, join(devDir, 'control_domains'), formatControls(m), MODE_RO);
  replaceFile(host.tmpDir, join(devDir, AP_CONFIG), formatApConfig(m), 0o644);
}

/** The readable and writable whole-matrix attribute. */
export const AP_CONFIG = 'ap_config';

function intersects(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

/** Whether some APQN of adapters × domains is still owned by the host's default drivers. */
export function ownedByHost(masks: HostMasks, adapters: ReadonlySet<number>, domains: ReadonlySet<number>): boolean {
  return intersects(adapters, masks.apmask) && intersects(domains, masks.aqmask);
}

/** The other vfio_ap devices' matrices (by device dir). */
function otherMatrices(host: SimHost, selfDir: string): ApMatrix[] {
  const out: ApMatrix[] = [];
  for (const d of host.allDevices()) {
    if (host.driver(d.parent).attributes !== 'vfio_ap') continue;
    const dir = host.deviceDir(d.parent, d.uuid);
    if (dir !== selfDir) out.push(readMatrix(dir));
  }
  return out;
}

/** The kernel's checks of a device's new matrix: in use by another device, or still the host's. */
function matrixProblem(host: SimHost, devDir: string, m: ApMatrix, masks: HostMasks): SimErrnoCode | undefined {
  if (ownedByHost(masks, m.adapters, m.domains)) return 'EADDRNOTAVAIL';
  for (const other of otherMatrices(host, devDir)) {
    if (intersects(m.adapters, other.adapters) && intersects(m.domains, other.domains)) return 'EADDRINUSE';
  }
  return undefined;
}

/**
 * A write to `ap_config`: three masks (`0x` + hex, filled from the left) separated by commas;
 * EINVAL when they do not parse, ENODEV for an id above ap_max_*_id, then the sharing checks.
 * The new matrix replaces the old one only when all of that passes.
 */
export function storeApConfig(host: SimHost, devDir: string, data: string): SimErrnoCode | undefined {
  const parts = data.replace(/\n$/, '').split(',');
  if (parts.length !== 3) return 'EINVAL';
  const [adapters, domains, controls] = parts.map((p) => parseMaskHex(p));
  if (adapters === undefined || domains === undefined || controls === undefined) return 'EINVAL';
  const masks = readHostMasks(host);
  const above = (bits: Set<number>, max: number): boolean => [...bits].some((b) => b > max);
  if (above(adapters, masks.maxAdapter) || above(domains, masks.maxDomain) || above(controls, masks.maxDomain)) {
    return 'ENODEV';
  }
  const m: ApMatrix = { adapters, domains, controls };
  const problem = matrixProblem(host, devDir, m, masks);
  if (problem !== undefined) return problem;
  writeMatrix(host, devDir, m);
  return undefined;
}

/** Applies one write to a vfio_ap device attribute; returns the errno the kernel would give. */
export function storeVfioAp(host: SimHost, devDir: string, attr: VfioApAttr, data: string): SimErrnoCode | undefined {
  const parsed = kstrtoul(data);
  if (parsed === 'EINVAL' || parsed === 'ERANGE') return parsed;
  const masks = readHostMasks(host);
  const isAdapter = attr.endsWith('_adapter');
  const max = isAdapter ? masks.maxAdapter : masks.maxDomain;
  if (parsed > BigInt(max)) return 'ENODEV';
  const id = Number(parsed);
  const m = readMatrix(devDir);
  const set = isAdapter ? m.adapters : attr.endsWith('_control_domain') ? m.controls : m.domains;
  if (attr.startsWith('unassign_')) {
    if (!set.has(id)) return undefined;
    set.delete(id);
    writeMatrix(host, devDir, m);
    return undefined;
  }
  if (set.has(id)) return undefined;
  set.add(id);
  if (set !== m.controls) {
    const problem = matrixProblem(host, devDir, m, masks);
    if (problem !== undefined) return problem;
  }
  writeMatrix(host, devDir, m);
  return undefined;
}

/**
 * ap_parse_mask_str: an absolute hex value (`0x...`), or a relative list such as
 * `+1-3,-0x40` applied to the current mask. Undefined when it does not parse.
 */
export function parseMaskWrite(data: string, current: ReadonlySet<number>): Set<number> | undefined {
  const text = data.replace(/\n$/, '');
  if (!text.startsWith('+') && !text.startsWith('-')) return parseMaskHex(text);
  const bits = new Set(current);
  for (const token of text.split(',')) {
    const m = /^([+-])(0[xX][0-9a-fA-F]+|\d+)(?:-(0[xX][0-9a-fA-F]+|\d+))?$/.exec(token);
    if (m === null) return undefined;
    const first = Number(m[2]);
    const last = m[3] !== undefined ? Number(m[3]) : first;
    if (last < first || last >= AP_BITS) return undefined;
    for (let i = first; i <= last; i++) {
      if (m[1] === '+') bits.add(i);
      else bits.delete(i);
    }
  }
  return bits;
}

/** Writes apmask/aqmask; EBUSY when that would take back an APQN some vfio_ap device holds. */
export function storeHostMask(host: SimHost, which: 'apmask' | 'aqmask', data: string): SimErrnoCode | undefined {
  const masks = readHostMasks(host);
  const next = parseMaskWrite(data, which === 'apmask' ? masks.apmask : masks.aqmask);
  if (next === undefined) return 'EINVAL';
  const after: HostMasks = { ...masks, [which]: next };
  for (const d of host.allDevices()) {
    if (host.driver(d.parent).attributes !== 'vfio_ap') continue;
    const m = readMatrix(host.deviceDir(d.parent, d.uuid));
    if (ownedByHost(after, m.adapters, m.domains)) return 'EBUSY';
  }
  replaceFile(host.tmpDir, host.sysPath(join('bus/ap', which)), `${formatMask(next)}\n`, 0o644);
  return undefined;
}
