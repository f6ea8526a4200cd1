// `query.explainRefusal` for vfio-ap: what the kernel's errno usually means when it refuses an
// assign_* or ap_config write (vfio_ap_ops.c): EADDRINUSE — an APQN is in another mdev's matrix;
// EADDRNOTAVAIL — an APQN is still owned by the host's default drivers (apmask/aqmask); ENODEV —
// an id above ap_max_adapter_id/ap_max_domain_id; EINVAL — not a number (one id per write);
// EBUSY — a kernel without dynamic AP configuration refuses changes while a guest uses the device.
// Where it can, the hint names the APQN and the device holding it.

import type { HostView, KernelRefusal } from '@mdevctl/plugin-sdk';
import { formatApqn, parseIdList } from './apqn.js';
import { checkAttributes, ATTRIBUTES } from './attributes.js';
import { sharedApqns, hostOwned } from './conflicts.js';
import { activeOthers, liveMasks, readLimits } from './host-state.js';

/** The matrix the device has once the refused attribute is added (the ones before it, then it). */
function matrixUpTo(refusal: KernelRefusal, host: HostView) {
  const attrs = refusal.device.attrs;
  const i = attrs.findIndex((a) => a.name === refusal.attribute && a.value === refusal.value);
  return checkAttributes(i < 0 ? attrs : attrs.slice(0, i + 1), readLimits(host), false).matrix;
}

function inUse(refusal: KernelRefusal, host: HostView): string {
  const mine = matrixUpTo(refusal, host);
  for (const other of activeOthers(host, refusal.device.uuid)) {
    const [hit] = sharedApqns(mine, other.matrix);
    if (hit) return `APQN ${formatApqn(hit[0], hit[1])} is already assigned to mediated device ${other.uuid}`;
  }
  return 'an APQN of this adapter or domain is already assigned to another vfio-ap mediated device';
}

function hostKept(refusal: KernelRefusal, host: HostView): string {
  const masks = liveMasks(host);
  const hit = masks ? hostOwned(matrixUpTo(refusal, host), masks)[0] : undefined;
  const which = hit ? `APQN ${formatApqn(hit[0], hit[1])} is` : 'the queue is';
  return `${which} still owned by the host's AP drivers: release it in /sys/bus/ap/apmask or aqmask (chzdev -t ap) first`;
}

function aboveMax(refusal: KernelRefusal, host: HostView): string {
  const limits = readLimits(host);
  if (refusal.attribute === 'ap_config') {
    return `a mask sets an id above this system's highest adapter id (${limits.maxAdapter}) or domain id (${limits.maxDomain})`;
  }
  const adapter = refusal.attribute === 'assign_adapter';
  const max = adapter ? limits.maxAdapter : limits.maxDomain;
  const file = adapter ? 'ap_max_adapter_id' : 'ap_max_domain_id';
  const ids = parseIdList(refusal.value);
  const id = ids?.find((n) => n > max);
  return `${id === undefined ? 'an id' : `id ${id}`} is above this system's highest ${adapter ? 'adapter' : 'domain'} id (${max}, /sys/bus/ap/${file})`;
}

function invalid(refusal: KernelRefusal): string {
  if (refusal.attribute === 'ap_config') return 'ap_config takes three 256-bit hex masks: adapters,usage domains,control domains';
  if (refusal.value.includes(',')) return `the kernel takes one id per write; give each id its own ${refusal.attribute ?? 'assign'} attribute`;
  return 'the kernel takes one id, decimal or 0x hex';
}

export function explain(refusal: KernelRefusal, host: HostView): string | undefined {
  if (refusal.operation !== 'attribute' || !(ATTRIBUTES as readonly string[]).includes(refusal.attribute ?? '')) return undefined;
  switch (refusal.code) {
    case 'EADDRINUSE':
      return inUse(refusal, host);
    case 'EADDRNOTAVAIL':
      return hostKept(refusal, host);
    case 'ENODEV':
      return aboveMax(refusal, host);
    case 'EINVAL':
      return invalid(refusal);
    case 'EBUSY':
      return 'the device is in use by a guest, and this kernel (without dynamic AP configuration) refuses matrix changes then';
    default:
      return undefined;
  }
}
