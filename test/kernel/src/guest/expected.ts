// What the real sample drivers offer (FACTS.md §1), and the `types` output it must give.

export interface TypeFacts {
  parent: string;
  type: string;
  name: string;
  description?: string;
}

export const TYPES: readonly TypeFacts[] = [
  { parent: 'mbochs', type: 'mbochs-large', name: 'mbochs-large', description: 'virtual display, 64 MB video memory' },
  { parent: 'mbochs', type: 'mbochs-medium', name: 'mbochs-medium', description: 'virtual display, 16 MB video memory' },
  { parent: 'mbochs', type: 'mbochs-small', name: 'mbochs-small', description: 'virtual display, 4 MB video memory' },
  { parent: 'mdpy', type: 'mdpy-hd', name: 'mdpy-hd', description: 'virtual display, 1920x1080 framebuffer' },
  { parent: 'mdpy', type: 'mdpy-vga', name: 'mdpy-vga', description: 'virtual display, 640x480 framebuffer' },
  { parent: 'mdpy', type: 'mdpy-xga', name: 'mdpy-xga', description: 'virtual display, 1024x768 framebuffer' },
  { parent: 'mtty', type: 'mtty-1', name: 'Single port serial' },
  { parent: 'mtty', type: 'mtty-2', name: 'Dual port serial' },
];

/** `mdevctl types [-p parent]` text (1.4's end of output: no extra empty line). */
export function typesText(avail: Record<string, number>, parent?: string): string {
  let out = '';
  let last = '';
  for (const t of TYPES) {
    if (parent !== undefined && t.parent !== parent) continue;
    if (t.parent !== last) out += `${t.parent}\n`;
    last = t.parent;
    out += `  ${t.type}\n    Available instances: ${avail[`${t.parent}/${t.type}`]}\n    Device API: vfio-pci\n`;
    out += `    Name: ${t.name}\n`;
    if (t.description !== undefined) out += `    Description: ${t.description}\n`;
  }
  return out;
}

/** `mdevctl types --dumpjson [-p parent]`, as a value (key order as upstream prints it). */
export function typesJson(avail: Record<string, number>, parent?: string): unknown {
  const byParent: Record<string, unknown[]> = {};
  for (const t of TYPES) {
    if (parent !== undefined && t.parent !== parent) continue;
    const info: Record<string, unknown> = {
      available_instances: avail[`${t.parent}/${t.type}`],
      device_api: 'vfio-pci',
      name: t.name,
    };
    if (t.description !== undefined) info['description'] = t.description;
    (byParent[t.parent] ??= []).push({ [t.type]: info });
  }
  return [byParent];
}

/** A definition file as upstream writes it (serde_json pretty, no trailing newline). */
export function configFile(type: string, start: 'auto' | 'manual', attrs: Array<Record<string, string>> = []): string {
  return JSON.stringify({ mdev_type: type, start, attrs }, null, 2);
}
