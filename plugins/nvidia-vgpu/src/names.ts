// The names of vendor-VFIO vGPU types. mdevctl names a type `nvidia-<id>` (the pseudo mdev type
// Proxmox presents "for api compatibility"), and shows NVIDIA's full name (`NVIDIA A16-4Q`) as
// its `Name:`. Ids are unique only within one physical card, so the name of an id is looked up
// among the catalogues of one physical GPU's VFs (a VF that runs a vGPU may no longer list its own
// type; a sibling still does, or did).

import type { CatalogueEntry } from './catalogue.js';

const TYPE_NAME = /^nvidia-([1-9]\d{0,9})$/;

/** `nvidia-<id>`. */
export function typeName(id: number): string {
  return `nvidia-${id}`;
}

/** The id of an `nvidia-<id>` type name, or undefined for any other name. */
export function typeId(name: string): number | undefined {
  const m = TYPE_NAME.exec(name);
  if (m?.[1] === undefined) return undefined;
  const id = Number(m[1]);
  return id <= 0x7fffffff ? id : undefined;
}

/** The last word of the full name (`A16-4Q`), as NVIDIA's vgpu-device-manager names profiles. */
export function shortName(fullName: string): string {
  const words = fullName.trim().split(/\s+/);
  return words[words.length - 1] ?? fullName;
}

/** id → full name over the catalogues of one physical GPU's VFs (the first VF naming an id wins). */
export function mergeNames(catalogues: ReadonlyArray<readonly CatalogueEntry[] | undefined>): Map<number, string> {
  const out = new Map<number, string>();
  for (const c of catalogues) for (const e of c ?? []) if (!out.has(e.id)) out.set(e.id, e.name);
  return out;
}

/**
 * True when the name is a MIG-backed vGPU (`NVIDIA A100-1-5C`, `H200X-1-18C`: GPU instance
 * slices, then framebuffer GB, then the series letter), false for a time-sliced one (`A16-4Q`,
 * `L40S-48Q`). A guess from NVIDIA's naming scheme: the driver says nothing else about it.
 */
export function isMigBacked(fullName: string): boolean {
  return /-\d+-\d+[A-Za-z]+$/.test(shortName(fullName));
}
