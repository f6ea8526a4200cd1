// The description of a GVT-g vGPU type, parsed. kvmgt writes it as lines of `key: value`:
//   low_gm_size: 128MB / high_gm_size: 512MB / fence: 4 / resolution: 1920x1200 / weight: 4
// (mdevctl shows the lines joined with ", "; both forms are read here, unknown keys ignored).

export interface VgpuResources {
  /** Graphics memory in the CPU-visible aperture ("low"), MB. */
  readonly lowGmMb: number;
  /** Graphics memory above the aperture ("high"), MB. */
  readonly highGmMb: number;
  /** Fence registers. */
  readonly fences: number;
  /** The virtual display's largest resolution (EDID), `WxH`. */
  readonly resolution: string;
  /** Scheduling weight (share of GPU time against other vGPUs). */
  readonly weight: number;
}

function pairs(description: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of description.split(/\n|, /)) {
    const m = /^\s*([a-z_]+):\s*(.*?)\s*$/.exec(part);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

function count(value: string | undefined, unit = ''): number | undefined {
  if (value === undefined) return undefined;
  const m = new RegExp(`^(\\d+)\\s*${unit}$`, 'i').exec(value);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** The resources a type's description lists, or undefined when it is not a GVT-g description. */
export function parseVgpuDescription(description: string | undefined): VgpuResources | undefined {
  if (description === undefined) return undefined;
  const p = pairs(description);
  const lowGmMb = count(p.get('low_gm_size'), 'MB');
  const highGmMb = count(p.get('high_gm_size'), 'MB');
  const fences = count(p.get('fence'));
  const weight = count(p.get('weight'));
  const resolution = p.get('resolution');
  if (lowGmMb === undefined || highGmMb === undefined || fences === undefined || weight === undefined) return undefined;
  if (resolution === undefined || !/^\d+x\d+$/.test(resolution)) return undefined;
  return { lowGmMb, highGmMb, fences, resolution, weight };
}
