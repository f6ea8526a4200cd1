// What the host says about AP right now, read through the plugin's HostView (so under the
// environment root): the id limits, the live and the persistent host masks, the running vfio-ap
// devices' matrices (their `matrix` files) and the auto-start vfio-ap definitions.

import type { Attribute, DefinedDevice, HostView } from '@mdevctl/plugin-sdk';
import { parseMask, parseMatrixFile, type ApMatrix } from './apqn.js';
import { DEFAULT_LIMITS, checkAttributes, type ApLimits } from './attributes.js';
import { AP_UDEV_RULE, parseApRule } from './udev-rule.js';

export const PARENT = 'matrix';
export const TYPE = 'vfio_ap-passthrough';

/** The APQNs the host keeps: adapter in `apmask` and domain in `aqmask`. */
export interface HostMasks {
  readonly apmask: readonly number[];
  readonly aqmask: readonly number[];
  /** Where they come from, for messages. */
  readonly source: string;
}

/** Another vfio-ap device to compare with: its uuid and matrix. */
export interface OtherDevice {
  readonly uuid: string;
  readonly matrix: ApMatrix;
}

function readId(host: HostView, file: string): number | undefined {
  const text = host.readFile(file)?.trim();
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

export function readLimits(host: HostView): ApLimits {
  const a = readId(host, 'sys/bus/ap/ap_max_adapter_id');
  const d = readId(host, 'sys/bus/ap/ap_max_domain_id');
  if (a === undefined && d === undefined) return DEFAULT_LIMITS;
  return { maxAdapter: a ?? 255, maxDomain: d ?? 255, fromSysfs: true };
}

function liveMask(host: HostView, name: 'apmask' | 'aqmask'): number[] | undefined {
  const text = host.readFile(`sys/bus/ap/${name}`);
  return text === undefined ? undefined : parseMask(text);
}

/** /sys/bus/ap/apmask and aqmask; undefined when this host has no AP bus. */
export function liveMasks(host: HostView): HostMasks | undefined {
  const apmask = liveMask(host, 'apmask');
  const aqmask = liveMask(host, 'aqmask');
  if (apmask === undefined || aqmask === undefined) return undefined;
  return { apmask, aqmask, source: 'the live AP bus masks /sys/bus/ap/apmask and aqmask' };
}

/** The masks the host will have after a reboot: the udev rule's, each falling back to the live one. */
export function persistentMasks(host: HostView): HostMasks | undefined {
  const text = host.readFile(AP_UDEV_RULE);
  const rule = text === undefined ? {} : parseApRule(text);
  const apmask = rule.apmask ?? liveMask(host, 'apmask');
  const aqmask = rule.aqmask ?? liveMask(host, 'aqmask');
  if (apmask === undefined || aqmask === undefined) return undefined;
  const source =
    rule.apmask && rule.aqmask
      ? `the persistent AP bus masks in /${AP_UDEV_RULE}`
      : rule.apmask || rule.aqmask
        ? `the persistent AP bus masks (/${AP_UDEV_RULE} and the live /sys/bus/ap masks)`
        : 'the AP bus masks (no persistent ones in /' + AP_UDEV_RULE + '; the live /sys/bus/ap masks)';
  return { apmask, aqmask, source };
}

export function isVfioAp(d: { parent: string; type: string }): boolean {
  return d.parent === PARENT && d.type === TYPE;
}

/**
 * A running device's matrix, from its `matrix` and `control_domains` files — or, for a device a
 * desired-state plan starts (no sysfs files yet, or old ones), from the attributes it will be
 * started with (HostView.plannedAttributes).
 */
export function activeMatrix(host: HostView, uuid: string, limits?: ApLimits): ApMatrix | undefined {
  const planned = host.plannedAttributes?.(uuid);
  if (planned !== undefined) return plannedMatrix(host, uuid, planned, limits);
  const matrix = host.readFile(`sys/bus/mdev/devices/${uuid}/matrix`);
  if (matrix === undefined) return undefined;
  return parseMatrixFile(matrix, host.readFile(`sys/bus/mdev/devices/${uuid}/control_domains`) ?? '');
}

/**
 * The matrices of the devices a plan starts, per projected host (one per whole-plan check): each
 * device's attributes are read into a matrix once, not once per other device checked.
 */
const plannedMatrices = new WeakMap<HostView, Map<string, ApMatrix>>();

function plannedMatrix(host: HostView, uuid: string, attrs: readonly Attribute[], limits: ApLimits | undefined): ApMatrix {
  let cache = plannedMatrices.get(host);
  if (cache === undefined) plannedMatrices.set(host, (cache = new Map()));
  let m = cache.get(uuid);
  if (m === undefined) cache.set(uuid, (m = checkAttributes(attrs, limits ?? readLimits(host), false).matrix));
  return m;
}

/** Every running vfio-ap device but `self`, with its matrix. */
export function activeOthers(host: HostView, self: string): OtherDevice[] {
  const out: OtherDevice[] = [];
  const limits = readLimits(host);
  for (const d of host.activeDevices({ parent: PARENT })) {
    if (d.uuid === self || !isVfioAp(d)) continue;
    const matrix = activeMatrix(host, d.uuid, limits);
    if (matrix !== undefined) out.push({ uuid: d.uuid, matrix });
  }
  return out;
}

/** Every auto-start vfio-ap definition but `self`. */
export function autoDefinitions(host: HostView, self: string): DefinedDevice[] {
  return host.definitions({ parent: PARENT }).filter((d) => d.uuid !== self && isVfioAp(d) && d.start === 'auto');
}
