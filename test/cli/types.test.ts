// Black-box: `mdevctl types` (text and --dumpjson) on the simulated host, byte for byte as the
// real kernel's sample drivers look through mdevctl (kernel-facts FACTS.md §1 and §3, SPEC §3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdevctl } from '../helpers/cli.js';
import { withHost, ok } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';

/** The host of FACTS.md: the three sample drivers. */
const SAMPLES = ['mtty', 'mdpy', 'mbochs'];
const I915 = '0000:00:02.0';

interface TypeRow {
  type: string;
  available: number;
  api: string;
  name?: string;
  description?: string;
}

function textBlock(parent: string, rows: TypeRow[]): string {
  let out = `${parent}\n`;
  for (const t of rows) {
    out += `  ${t.type}\n    Available instances: ${t.available}\n    Device API: ${t.api}\n`;
    if (t.name !== undefined) out += `    Name: ${t.name}\n`;
    if (t.description !== undefined) out += `    Description: ${t.description}\n`;
  }
  return out;
}

function jsonTypes(groups: Array<[string, TypeRow[]]>): string {
  const parents: Record<string, unknown> = {};
  for (const [parent, rows] of groups) {
    parents[parent] = rows.map((t) => ({
      [t.type]: {
        available_instances: t.available,
        device_api: t.api,
        ...(t.name !== undefined ? { name: t.name } : {}),
        ...(t.description !== undefined ? { description: t.description } : {}),
      },
    }));
  }
  return `${JSON.stringify([parents], null, 2)}\n`;
}

const MBOCHS: TypeRow[] = [
  { type: 'mbochs-large', available: 4, api: 'vfio-pci', name: 'mbochs-large', description: 'virtual display, 64 MB video memory' },
  { type: 'mbochs-medium', available: 16, api: 'vfio-pci', name: 'mbochs-medium', description: 'virtual display, 16 MB video memory' },
  { type: 'mbochs-small', available: 64, api: 'vfio-pci', name: 'mbochs-small', description: 'virtual display, 4 MB video memory' },
];
const MDPY: TypeRow[] = [
  { type: 'mdpy-hd', available: 4, api: 'vfio-pci', name: 'mdpy-hd', description: 'virtual display, 1920x1080 framebuffer' },
  { type: 'mdpy-vga', available: 4, api: 'vfio-pci', name: 'mdpy-vga', description: 'virtual display, 640x480 framebuffer' },
  { type: 'mdpy-xga', available: 4, api: 'vfio-pci', name: 'mdpy-xga', description: 'virtual display, 1024x768 framebuffer' },
];

/** FACTS §3, written out: mtty has no description file, hence no Description: line. */
const MTTY_TEXT =
  'mtty\n' +
  '  mtty-1\n' +
  '    Available instances: 24\n' +
  '    Device API: vfio-pci\n' +
  '    Name: Single port serial\n' +
  '  mtty-2\n' +
  '    Available instances: 12\n' +
  '    Device API: vfio-pci\n' +
  '    Name: Dual port serial\n';

const MTTY_JSON = `[
  {
    "mtty": [
      {
        "mtty-1": {
          "available_instances": 24,
          "device_api": "vfio-pci",
          "name": "Single port serial"
        }
      },
      {
        "mtty-2": {
          "available_instances": 12,
          "device_api": "vfio-pci",
          "name": "Dual port serial"
        }
      }
    ]
  }
]
`;

const MTTY: TypeRow[] = [
  { type: 'mtty-1', available: 24, api: 'vfio-pci', name: 'Single port serial' },
  { type: 'mtty-2', available: 12, api: 'vfio-pci', name: 'Dual port serial' },
];

test('types: the sample drivers, text, exactly as FACTS §3 (1.4: no trailing empty line)', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'types'), textBlock('mbochs', MBOCHS) + textBlock('mdpy', MDPY) + MTTY_TEXT);
  }, { parents: SAMPLES });
});

test('types --dumpjson: the sample drivers, one array element keyed by parent, sorted, one trailing newline', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'types', '--dumpjson'), jsonTypes([['mbochs', MBOCHS], ['mdpy', MDPY], ['mtty', MTTY]]));
  }, { parents: SAMPLES });
});

test('types -p mtty: text and JSON, no Description for mtty', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'types', '-p', 'mtty'), MTTY_TEXT);
    ok(mdevctl(h.root, 'types', '--parent=mtty'), MTTY_TEXT);
    ok(mdevctl(h.root, 'types', '--parent', 'mtty', '--dumpjson'), MTTY_JSON);
    // the helper that builds the other expectations agrees with the literal
    assert.equal(jsonTypes([['mtty', MTTY]]), MTTY_JSON);
  }, { parents: SAMPLES });
});

test('types -p mdpy / -p mbochs: Name and Description lines', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'types', '-p', 'mdpy'), textBlock('mdpy', MDPY));
    ok(mdevctl(h.root, 'types', '-p', 'mbochs'), textBlock('mbochs', MBOCHS));
    ok(mdevctl(h.root, 'types', '-p', 'mdpy', '--dumpjson'), jsonTypes([['mdpy', MDPY]]));
    ok(mdevctl(h.root, 'types', '-p', 'mbochs', '--dumpjson'), jsonTypes([['mbochs', MBOCHS]]));
  }, { parents: SAMPLES });
});

test('types -p of an unknown parent: empty output, exit 0; [] with --dumpjson', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'types', '-p', 'nosuchparent'), '');
    ok(mdevctl(h.root, 'types', '-p', 'nosuchparent', '--dumpjson'), '[]\n');
    // a parent that differs only in case is not the same parent
    ok(mdevctl(h.root, 'types', '-p', 'MTTY'), '');
  }, { parents: SAMPLES });
});

test('types on a host without parents: empty output; [] with --dumpjson', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'types'), '');
    ok(mdevctl(h.root, 'types', '--dumpjson'), '[]\n');
  }, { parents: [] });
});

const GVT: TypeRow[] = [
  {
    type: 'i915-GVTg_V5_1',
    available: 1,
    api: 'vfio-pci',
    description: 'low_gm_size: 512MB, high_gm_size: 2048MB, fence: 4, resolution: 1920x1200, weight: 16',
  },
  {
    type: 'i915-GVTg_V5_2',
    available: 2,
    api: 'vfio-pci',
    description: 'low_gm_size: 256MB, high_gm_size: 1024MB, fence: 4, resolution: 1920x1200, weight: 8',
  },
  {
    type: 'i915-GVTg_V5_4',
    available: 4,
    api: 'vfio-pci',
    description: 'low_gm_size: 128MB, high_gm_size: 512MB, fence: 4, resolution: 1920x1200, weight: 4',
  },
  {
    type: 'i915-GVTg_V5_8',
    available: 8,
    api: 'vfio-pci',
    description: 'low_gm_size: 64MB, high_gm_size: 384MB, fence: 4, resolution: 1024x768, weight: 2',
  },
];

test('types: the i915 parent has no Name: line and its multi-line description is joined with ", "', () => {
  withHost((h) => {
    const text = textBlock(I915, GVT);
    ok(mdevctl(h.root, 'types'), text);
    ok(mdevctl(h.root, 'types', '-p', I915), text);
    assert.ok(!text.includes('Name:'));
    ok(mdevctl(h.root, 'types', '-p', I915, '--dumpjson'), jsonTypes([[I915, GVT]]));
  }, { parents: [I915] });
});

test('types: every registered parent, in name order (byte order: "0.0.0313" < "0000:00:02.0")', () => {
  withHost((h) => {
    const r = mdevctl(h.root, 'types');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const parents = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(' '));
    // 0.0.0314 is bound to io_subchannel, not vfio_ccw: not an mdev parent.
    assert.deepEqual(parents, ['0.0.0313', I915, 'matrix', 'mbochs', 'mdpy', 'mtty']);
    assert.ok(r.stdout.endsWith('\n') && !r.stdout.endsWith('\n\n'), 'no trailing empty line');
    const json = mdevctl(h.root, 'types', '--dumpjson');
    assert.equal(json.status, 0);
    const parsed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.equal(parsed.length, 1);
    assert.deepEqual(Object.keys(parsed[0] ?? {}), parents);
  });
});

test('types: shared pools — one mtty-2 leaves mtty-1 22, mtty-2 11', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1), '');
    ok(
      mdevctl(h.root, 'types', '-p', 'mtty'),
      textBlock('mtty', [
        { type: 'mtty-1', available: 22, api: 'vfio-pci', name: 'Single port serial' },
        { type: 'mtty-2', available: 11, api: 'vfio-pci', name: 'Dual port serial' },
      ]),
    );
    ok(
      mdevctl(h.root, 'types', '-p', 'mtty', '--dumpjson'),
      MTTY_JSON.replace('"available_instances": 24', '"available_instances": 22').replace(
        '"available_instances": 12',
        '"available_instances": 11',
      ),
    );
    ok(mdevctl(h.root, 'stop', '-u', U1), '');
    ok(mdevctl(h.root, 'types', '-p', 'mtty'), MTTY_TEXT);
  }, { parents: SAMPLES });
});

test('types: shared pools — mdpy counts devices, mbochs counts memory', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U1), '');
    const avail = (rows: TypeRow[], counts: number[]) => rows.map((t, i) => ({ ...t, available: counts[i] ?? -1 }));
    ok(mdevctl(h.root, 'types', '-p', 'mbochs'), textBlock('mbochs', avail(MBOCHS, [3, 15, 63])));
    ok(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U2), '');
    ok(mdevctl(h.root, 'types', '-p', 'mdpy'), textBlock('mdpy', avail(MDPY, [3, 3, 3])));
    for (const u of [U3, U4]) ok(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', u), '');
    ok(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U4.replace(/04$/, '05')), '');
    ok(mdevctl(h.root, 'types', '-p', 'mdpy'), textBlock('mdpy', avail(MDPY, [0, 0, 0])));
    ok(mdevctl(h.root, 'types', '-p', 'mdpy', '--dumpjson'), jsonTypes([['mdpy', avail(MDPY, [0, 0, 0])]]));
  }, { parents: SAMPLES });
});
