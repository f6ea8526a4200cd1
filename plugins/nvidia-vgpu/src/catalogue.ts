// What a VF's nvidia/ files say, parsed: `creatable_vgpu_types` (a header line beginning `ID`,
// then `<decimal id> : <name>` per type the VF can take now) and `current_vgpu_type` (the decimal
// id of the vGPU on the VF, 0 for none). The format is read from tools that drive the driver
// (Proxmox, hypeman), not from NVIDIA's documentation: lines that do not fit are skipped, never
// fatal, so a driver that adds a column or a blank line still lists the types it can.

/** One type a VF's catalogue lists. */
export interface CatalogueEntry {
  readonly id: number;
  /** The full NVIDIA name, e.g. `NVIDIA A16-4Q`. */
  readonly name: string;
}

/** A catalogue is read up to this many bytes (a real one is a few KiB). */
export const MAX_CATALOGUE_BYTES = 64 * 1024;

/** The largest type id taken (the driver's are 3–4 digits; anything longer is not an id). */
const MAX_ID = 0x7fffffff;

const ENTRY = /^(\d{1,10})\s*:\s*(\S.*?)\s*$/;

/** The types a `creatable_vgpu_types` text lists, in its order, each id once. */
export function parseCatalogue(text: string): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  const seen = new Set<number>();
  for (const raw of text.slice(0, MAX_CATALOGUE_BYTES).split('\n')) {
    const m = ENTRY.exec(raw.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue; // the header (`ID : vGPU Name`), blanks, anything else
    const id = Number(m[1]);
    if (id < 1 || id > MAX_ID || seen.has(id)) continue;
    seen.add(id);
    out.push({ id, name: m[2] });
  }
  return out;
}

/**
 * The id in a `current_vgpu_type` text: 0 for no vGPU, undefined when the text is no decimal
 * number (then mdevctl knows nothing of the VF and neither lists a vGPU on it nor writes to it).
 */
export function parseCurrentType(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (t === undefined || !/^\d{1,10}$/.test(t)) return undefined;
  const id = Number(t);
  return id <= MAX_ID ? id : undefined;
}
