// One type of time-sliced vGPU per physical GPU, unless the GPU is in heterogeneous mode
// (`nvidia-smi vgpu -shm 1 -i <gpu>`, vGPU 17+). The driver enforces it by what it lists: once a
// time-sliced vGPU runs, the siblings' catalogues list only its type — so a single start is
// refused by the catalogue, but a plan of several starts (`mdevctl apply`, `start-parent-mdevs`)
// is not, until its second write fails half-way. mdevctl checks it for the whole plan first.
//
// How mdevctl knows the mode (there is no sysfs file for it):
// 1. the plugin option `heterogeneousGpus` (PF addresses, comma-separated, or `all`): the admin's word;
// 2. the catalogues: a GPU running a time-sliced type whose free VFs list another time-sliced type
//    is in heterogeneous mode (the driver would not list it otherwise);
// 3. else the GPU is taken as homogeneous (a GPU with nothing running shows nothing either way):
//    mixing is refused, naming the GPU and the option; the driver's refusal would come too late.
// MIG-backed vGPUs (names like `A100-1-5C`) are placed by MIG, not by this rule.

import { byGpu, isFree, type VfState } from './gpu.js';
import { isMigBacked, typeName } from './names.js';

export type GpuMode = 'heterogeneous: configured' | 'heterogeneous: seen in the catalogues' | 'homogeneous';

/** The GPUs the option names (lower case), or 'all'. */
export function parseHeterogeneousOption(value: string | undefined): ReadonlySet<string> | 'all' {
  const v = value?.trim() ?? '';
  if (v.toLowerCase() === 'all') return 'all';
  return new Set(v.split(/[\s,]+/).filter((s) => s !== '').map((s) => s.toLowerCase()));
}

/** The ids of time-sliced types (by the GPU's names) among `ids`. */
function timeSliced(ids: Iterable<number>, names: ReadonlyMap<number, string>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) {
    const name = names.get(id);
    // An id no VF names is taken as time-sliced: the safe side.
    if (name === undefined || !isMigBacked(name)) out.add(id);
  }
  return out;
}

export function gpuMode(gpu: string, vfs: readonly VfState[], names: ReadonlyMap<number, string>, declared: ReadonlySet<string> | 'all'): GpuMode {
  if (declared === 'all' || declared.has(gpu.toLowerCase())) return 'heterogeneous: configured';
  const running = timeSliced(
    vfs.filter((v) => !isFree(v) && v.current !== undefined).map((v) => v.current as number),
    names,
  );
  if (running.size === 0) return 'homogeneous';
  for (const v of vfs) {
    if (!isFree(v)) continue;
    const listed = timeSliced((v.catalogue ?? []).map((e) => e.id), names);
    for (const id of listed) if (!running.has(id)) return 'heterogeneous: seen in the catalogues';
  }
  return 'homogeneous';
}

/** A change a plan makes to one VF: it will run `id` (0: nothing). */
export interface VfChange {
  readonly vf: string;
  readonly id: number;
}

/**
 * Why the VFs after `changes` would mix time-sliced types on a homogeneous GPU (one line per GPU,
 * naming it, its VFs and types), or [] when they would not.
 */
export function mixProblems(
  vfs: readonly VfState[],
  changes: readonly VfChange[],
  names: (gpu: string) => ReadonlyMap<number, string>,
  declared: ReadonlySet<string> | 'all',
): string[] {
  const after = new Map(vfs.map((v) => [v.vf, v.current] as const));
  for (const c of changes) after.set(c.vf, c.id);
  const touched = new Set(changes.map((c) => vfs.find((v) => v.vf === c.vf)?.gpu).filter((g): g is string => g !== undefined));
  const out: string[] = [];
  for (const [gpu, members] of byGpu(vfs)) {
    if (!touched.has(gpu)) continue;
    const n = names(gpu);
    if (gpuMode(gpu, members, n, declared) !== 'homogeneous') continue;
    const users = new Map<number, string[]>();
    for (const v of members) {
      const id = after.get(v.vf);
      if (id === undefined || id === 0 || !timeSliced([id], n).has(id)) continue;
      users.set(id, [...(users.get(id) ?? []), v.vf]);
    }
    if (users.size < 2) continue;
    const what = [...users]
      .sort(([a], [b]) => a - b)
      .map(([id, on]) => `${typeName(id)}${n.has(id) ? ` (${n.get(id) as string})` : ''} on ${on.join(', ')}`)
      .join('; ');
    out.push(
      `Physical GPU ${gpu} would run time-sliced vGPUs of different types: ${what}. Without heterogeneous mode a GPU runs one time-sliced type: use one type per GPU, or turn the mode on (nvidia-smi vgpu -shm 1 -i <gpu>, after sriov-manage) and name ${gpu} in the nvidia-vgpu option heterogeneousGpus`,
    );
  }
  return out;
}
