// SR-IOV as PCI has it (generic, not any vendor's): the virtual functions of a physical function
// (PF). Each VF's address follows from the PF's routing id and its `sriov_offset`, `sriov_stride`
// and `sriov_totalvfs` (PCIe SR-IOV: VF n's routing id is the PF's + offset + n·stride), so the
// VFs of a PF are known before they are enabled; the `virtfnN` links of enabled ones count too.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

const ADDRESS = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([01][0-9a-f])\.([0-7])$/;

function readInt(path: string): number | undefined {
  try {
    const t = readFileSync(path, 'utf8').trim();
    return /^\d{1,6}$/.test(t) ? Number(t) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `name` is a PCI address as sysfs writes it (lower-case hex). */
export function isPciAddress(name: string): boolean {
  return ADDRESS.test(name);
}

/** The addresses of the VFs PF `pf` has or can have, sorted by VF number. */
export function virtualFunctions(root: string, pf: string): string[] {
  const dir = join(root, 'sys/bus/pci/devices', pf);
  const out = new Set<string>();
  const m = ADDRESS.exec(pf);
  const total = readInt(join(dir, 'sriov_totalvfs'));
  const offset = readInt(join(dir, 'sriov_offset'));
  const stride = readInt(join(dir, 'sriov_stride'));
  if (m?.[1] !== undefined && total !== undefined && offset !== undefined && stride !== undefined) {
    const rid = (Number.parseInt(m[2] as string, 16) << 8) | (Number.parseInt(m[3] as string, 16) << 3) | Number.parseInt(m[4] as string, 16);
    for (let n = 0; n < total; n++) {
      const r = rid + offset + n * stride;
      if (r > 0xffff) break;
      out.add(`${m[1]}:${(r >> 8).toString(16).padStart(2, '0')}:${((r >> 3) & 0x1f).toString(16).padStart(2, '0')}.${(r & 7).toString(16)}`);
    }
  }
  let links: string[] = [];
  try {
    links = readdirSync(dir).filter((n) => /^virtfn\d+$/.test(n));
  } catch {
    links = [];
  }
  for (const l of links.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))) {
    try {
      const vf = basename(readlinkSync(join(dir, l)));
      if (isPciAddress(vf)) out.add(vf);
    } catch {
      // gone meanwhile
    }
  }
  return [...out];
}
