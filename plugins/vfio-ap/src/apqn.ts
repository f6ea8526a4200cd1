// AP numbers and masks: adapter/domain ids as the vfio_ap attributes take them (kstrtoul base 0:
// decimal, 0x hex, leading-0 octal; also comma lists in a definition), the kernel's 256-bit masks (`0x` + up to 64 hex
// digits, bit 0 leftmost, as in /sys/bus/ap/apmask and ap_config), and APQNs printed `AA.DDDD`
// (hex, as lszcrypt and the device's `matrix` file print them). Pure functions, no I/O.

/** Ids 0..255: the AP architecture's adapter and domain numbers. */
export const AP_MASK_BITS = 256;

/** An adapter × usage-domain matrix plus control domains, each a sorted list of ids. */
export interface ApMatrix {
  readonly adapters: readonly number[];
  readonly domains: readonly number[];
  readonly controls: readonly number[];
}

export const EMPTY_MATRIX: ApMatrix = { adapters: [], domains: [], controls: [] };

/**
 * One id as the kernel's `kstrtoul(buf, 0)` reads it: an optional `+`, then `0x`/`0X` and hex
 * digits, or a leading `0` and octal digits (`010` is 8; `08` is invalid), or decimal; one
 * trailing newline allowed, nothing else (no spaces). Undefined when the kernel would refuse it.
 */
export function parseId(text: string): number | undefined {
  const m = /^\+?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))\n?$/.exec(text);
  if (m === null) return undefined;
  const n = m[1] !== undefined ? Number.parseInt(m[1], 16) : m[2] !== undefined ? Number.parseInt(m[2], 8) : Number.parseInt(m[3] ?? '', 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** True when `text` reads as octal (a leading 0 and more digits) — `010` is 8, not 10. */
export function isOctal(text: string): boolean {
  return /^\+?0[0-9]/.test(text);
}

/**
 * A comma list of ids (one id is a list of one); undefined when any item is not an id. The
 * items of a list (which the kernel refuses as a whole) may have spaces around them.
 */
export function parseIdList(text: string): number[] | undefined {
  const items = text.split(',');
  const out: number[] = [];
  for (const item of items) {
    const id = parseId(items.length > 1 ? item.trim() : item);
    if (id === undefined) return undefined;
    out.push(id);
  }
  return out;
}

/** The set bits of a mask (`0x` optional, 1..64 hex digits filled from the left); undefined if malformed. */
export function parseMask(text: string): number[] | undefined {
  let s = text.trim();
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2);
  if (s.length === 0 || s.length > AP_MASK_BITS / 4 || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  const bits: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const nibble = Number.parseInt(s[i] ?? '0', 16);
    for (let b = 0; b < 4; b++) if (nibble & (0x8 >> b)) bits.push(i * 4 + b);
  }
  return bits;
}

/** `amask,dmask,cmask` (ap_config) as three bit lists; undefined unless exactly three masks parse. */
export function parseApConfig(text: string): [number[], number[], number[]] | undefined {
  const parts = text.replace(/\n$/, '').split(',');
  if (parts.length !== 3) return undefined;
  const [a, d, c] = parts.map(parseMask);
  return a && d && c ? [a, d, c] : undefined;
}

/** The mask the kernel prints for a set of bits: `0x` + 64 hex digits. */
export function formatMask(bits: Iterable<number>): string {
  const bytes = new Uint8Array(AP_MASK_BITS / 8);
  for (const b of bits) if (b >= 0 && b < AP_MASK_BITS) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  return `0x${[...bytes].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** `AA.DDDD` */
export function formatApqn(adapter: number, domain: number): string {
  return `${hex(adapter, 2)}.${hex(domain, 4)}`;
}

/** `DDDD` (a control domain, as the device's `control_domains` file prints it) */
export function formatDomain(domain: number): string {
  return hex(domain, 4);
}

/** `AA` */
export function formatAdapter(adapter: number): string {
  return hex(adapter, 2);
}

/** Sorted, without repeats. */
export function sortedIds(ids: Iterable<number>): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Every APQN of the matrix (adapter × usage domain), adapter-major. */
export function apqns(m: ApMatrix): Array<[number, number]> {
  return m.adapters.flatMap((a) => m.domains.map((d): [number, number] => [a, d]));
}

/**
 * A device's `matrix` file read back: `AA.DDDD` per APQN, `AA.` or `.DDDD` when only one side is
 * assigned. Lines that do not parse are skipped.
 */
export function parseMatrixFile(text: string, controlDomains = ''): ApMatrix {
  const adapters: number[] = [];
  const domains: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-fA-F]*)\.([0-9a-fA-F]*)\s*$/.exec(line);
    if (m === null) continue;
    if (m[1]) adapters.push(Number.parseInt(m[1], 16));
    if (m[2]) domains.push(Number.parseInt(m[2], 16));
  }
  const controls = controlDomains
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-fA-F]+$/.test(l))
    .map((l) => Number.parseInt(l, 16));
  return { adapters: sortedIds(adapters), domains: sortedIds(domains), controls: sortedIds(controls) };
}
