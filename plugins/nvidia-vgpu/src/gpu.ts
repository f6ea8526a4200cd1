// The pure model of a vendor-VFIO host: VFs (each a parent), grouped by their physical GPU (the
// PF their `physfn` names), and what follows from their catalogues — each VF's types with their
// names and available instances, and how many free VFs of a GPU could take a type. No I/O: the
// host scan (scan.ts) fills these in.

import type { CatalogueEntry } from './catalogue.js';
import { mergeNames, typeName } from './names.js';

/** One VF as read from sysfs. */
export interface VfState {
  /** The VF's PCI address: the parent's name. */
  readonly vf: string;
  /** Its physical GPU (basename of `physfn`); the VF itself when it has none. */
  readonly gpu: string;
  /** Its `creatable_vgpu_types`; undefined when unreadable. */
  readonly catalogue: readonly CatalogueEntry[] | undefined;
  /** Its `current_vgpu_type`: 0 free, else the id running; undefined when unreadable. */
  readonly current: number | undefined;
}

/** A type of a VF as `mdevctl types` shows it. */
export interface VfType {
  readonly id: number;
  readonly type: string;
  /** The full NVIDIA name; undefined when no VF of the GPU names the id. */
  readonly name: string | undefined;
  /** 1 when the VF is free and its catalogue lists the id, else 0. */
  readonly availableInstances: number;
}

/** The VFs of each physical GPU, by GPU. */
export function byGpu(vfs: readonly VfState[]): Map<string, VfState[]> {
  const out = new Map<string, VfState[]>();
  for (const v of vfs) out.set(v.gpu, [...(out.get(v.gpu) ?? []), v]);
  return out;
}

/** True when the VF is free (its current type reads 0). */
export function isFree(v: VfState): boolean {
  return v.current === 0;
}

export function lists(v: VfState, id: number): boolean {
  return v.catalogue?.some((e) => e.id === id) ?? false;
}

/**
 * The types one VF shows: those its catalogue lists, the one it runs (a used VF's catalogue may
 * no longer list it), and `also` (e.g. the types of its definitions), sorted by id; names from
 * the catalogues of the VF's whole GPU (`siblings`, the VF included).
 */
export function vfTypes(v: VfState, siblings: readonly VfState[], also: readonly number[] = []): VfType[] {
  const names = mergeNames([v.catalogue, ...siblings.map((s) => s.catalogue)]);
  const ids = new Set<number>((v.catalogue ?? []).map((e) => e.id));
  if (v.current !== undefined && v.current !== 0) ids.add(v.current);
  for (const id of also) ids.add(id);
  return [...ids]
    .sort((a, b) => a - b)
    .map((id) => ({ id, type: typeName(id), name: names.get(id), availableInstances: isFree(v) && lists(v, id) ? 1 : 0 }));
}

/** The free VFs of a GPU whose catalogue lists the id: what `room` counts. */
export function freeVfsListing(vfs: readonly VfState[], id: number): VfState[] {
  return vfs.filter((v) => isFree(v) && lists(v, id));
}
