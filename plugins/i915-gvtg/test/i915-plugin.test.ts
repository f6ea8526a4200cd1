// The i915-gvtg plugin on its own, through the SDK's test harness: the PCI-address parent, what
// keeps GVT-g off when a GPU shows no types (driver, enable_gvt, kvmgt), the parsed type
// description in `types -x`, and the hints on kernel refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHarness } from '@mdevctl/plugin-sdk/testing';
import type { KernelRefusal, MdevDevice, MdevTypeInfo } from '@mdevctl/plugin-sdk';
import createPlugin, { parseVgpuDescription } from '@mdevctl/plugin-i915-gvtg';

const U1 = '11111111-1111-4111-8111-000000000001';
const U2 = '11111111-1111-4111-8111-000000000002';
const GPU = '0000:00:02.0';

const dev = (parent = GPU, type = 'i915-GVTg_V5_4'): MdevDevice => ({ uuid: U1, parent, type, start: 'manual', attrs: [] });
const desc = (low: number, high: number, res: string, weight: number) =>
  `low_gm_size: ${low}MB, high_gm_size: ${high}MB, fence: 4, resolution: ${res}, weight: ${weight}`;
const gvtType = (type: string, description: string, availableInstances = 2): MdevTypeInfo => ({
  parent: GPU,
  type,
  availableInstances,
  deviceApi: 'vfio-pci',
  description,
});
const TYPES = [
  gvtType('i915-GVTg_V5_4', desc(128, 512, '1920x1200', 4)),
  gvtType('i915-GVTg_V5_8', desc(64, 384, '1024x768', 2)),
];
const pci = (driver: string | undefined) => ({
  [`sys/bus/pci/devices/${GPU}/uevent`]: `${driver !== undefined ? `DRIVER=${driver}\n` : ''}PCI_CLASS=30000\nPCI_SLOT_NAME=${GPU}\n`,
});
const messages = (ds: ReadonlyArray<{ severity: string; message: string }>) => ds.map((d) => `${d.severity}: ${d.message}`);

test('the description kvmgt writes is parsed, in sysfs lines or as mdevctl joins them', () => {
  const want = { lowGmMb: 128, highGmMb: 512, fences: 4, resolution: '1920x1200', weight: 4 };
  assert.deepEqual(parseVgpuDescription('low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n'), want);
  assert.deepEqual(parseVgpuDescription(desc(128, 512, '1920x1200', 4)), want);
  // patched kernels add keys (aggregation): ignored
  assert.deepEqual(parseVgpuDescription(`${desc(128, 512, '1920x1200', 4)}, aggregation: gm`), want);
  for (const bad of [undefined, '', 'virtual display, 640x480 framebuffer', 'low_gm_size: 128MB, high_gm_size: 512MB, fence: 4, weight: 4', desc(128, 512, 'big', 4)]) {
    assert.equal(parseVgpuDescription(bad), undefined, String(bad));
  }
});

test('a parent that is no PCI address is an error (define too); other vendors are not checked', async () => {
  const h = await createTestHarness(createPlugin);
  for (const action of ['define', 'modify', 'start'] as const) {
    assert.deepEqual(messages(await h.validate(dev('0000:00:2.0'), { action })), [
      "error: Invalid GVT-g parent '0000:00:2.0': an i915 GPU is named by its PCI address domain:bus:device.function, like 0000:00:02.0",
    ]);
  }
  assert.deepEqual(messages(await h.validate(dev('0000:00:02.A'), { action: 'define' })), [
    "error: Invalid GVT-g parent '0000:00:02.A': an i915 GPU is named by its PCI address domain:bus:device.function, like 0000:00:02.0",
  ]);
  assert.match(messages(await h.validate(dev('0000:00:0A.0'), { action: 'define' }))[0] ?? '', /\(sysfs writes it in lower case: '0000:00:0a\.0'\)$/);
  assert.deepEqual(await h.validate(dev('0000:00:2.0'), { action: 'stop' }), []);
  assert.deepEqual(await h.validate(dev('mdpy', 'mdpy-vga'), { action: 'start' }), []);
});

test('GPU without types: what keeps GVT-g off, as an error at start and a warning at define', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ ...pci('i915'), 'sys/module/i915/parameters/enable_gvt': 'N\n', 'sys/module/kvmgt/initstate': 'live\n' }, 'GVT-g is off on 0000:00:02.0: boot with the kernel parameter i915.enable_gvt=1'],
    [{ ...pci('i915'), 'sys/module/i915/parameters/enable_gvt': 'N\n' }, 'GVT-g is off on 0000:00:02.0: boot with the kernel parameter i915.enable_gvt=1 and load the kvmgt module (modprobe kvmgt)'],
    [{ ...pci('i915'), 'sys/module/i915/parameters/enable_gvt': 'Y\n' }, "GVT-g is on but kvmgt is not loaded (it registers 0000:00:02.0's vGPU types): modprobe kvmgt"],
    [{ ...pci('i915') }, 'GVT-g is not available on 0000:00:02.0: i915 has no enable_gvt parameter (a kernel built with CONFIG_DRM_I915_GVT_KVMGT is needed), then boot with i915.enable_gvt=1 and load the kvmgt module (modprobe kvmgt)'],
    [{ ...pci('i915'), 'sys/module/i915/parameters/enable_gvt': 'Y\n', 'sys/module/kvmgt/initstate': 'live\n' }, 'GVT-g is on and kvmgt is loaded, but 0000:00:02.0 registered no vGPU types: GVT-g supports Intel GPUs from Broadwell to Comet Lake only (see the kernel log)'],
    [{ ...pci('vfio-pci') }, 'PCI device 0000:00:02.0 is bound to vfio-pci; GVT-g needs an Intel GPU driven by i915'],
    [{ ...pci(undefined) }, 'PCI device 0000:00:02.0 is not bound to any driver; GVT-g needs an Intel GPU driven by i915'],
  ];
  for (const [files, reason] of cases) {
    const h = await createTestHarness(createPlugin, { host: { files } });
    assert.deepEqual(messages(await h.validate(dev(), { action: 'start' })), [`error: ${reason}`]);
    assert.deepEqual(messages(await h.validate(dev(), { checkOnly: true })), [`error: ${reason}`]);
    assert.deepEqual(messages(await h.validate(dev(), { action: 'define' })), [`warning: ${reason}`]);
  }
});

test('GPU with types, or no such PCI device at all: nothing to add', async () => {
  const files = { ...pci('i915'), 'sys/module/i915/parameters/enable_gvt': 'N\n' };
  const withTypes = await createTestHarness(createPlugin, { host: { files, types: TYPES } });
  assert.deepEqual(await withTypes.validate(dev(), { action: 'start' }), []);
  const absent = await createTestHarness(createPlugin);
  assert.deepEqual(await absent.validate(dev(), { action: 'start' }), []);
});

test('types -x: the description as lines and a JSON field, and the pool shared with the other types', async () => {
  const h = await createTestHarness(createPlugin, { host: { types: TYPES } });
  const t = await h.listType(TYPES[0]!);
  assert.deepEqual(t.lines, [
    'Graphics memory: 128 MB low (aperture), 512 MB high',
    'Fence registers: 4',
    'Resolution: 1920x1200',
    'Weight: 4',
    'Shares graphics memory and fences with i915-GVTg_V5_8: a vGPU of any of them lowers the available instances of all',
  ]);
  assert.deepEqual(t.fields, {
    gvt_g: { low_gm_size_mb: 128, high_gm_size_mb: 512, fence: 4, resolution: '1920x1200', weight: 4, shares_pool_with: ['i915-GVTg_V5_8'] },
  });
  // an unreadable description: only the pool
  const odd = gvtType('i915-GVTg_V5_4', 'something else');
  const h2 = await createTestHarness(createPlugin, { host: { types: [odd, TYPES[1]!] } });
  assert.deepEqual(await h2.listType(odd), {
    lines: ['Shares graphics memory and fences with i915-GVTg_V5_8: a vGPU of any of them lowers the available instances of all'],
    fields: { gvt_g: { shares_pool_with: ['i915-GVTg_V5_8'] } },
  });
  // other vendors' types are not listed by this plugin
  assert.deepEqual(await h.listType({ ...TYPES[0]!, type: 'mdpy-vga' }), { lines: [], fields: {} });
});

const refusal = (r: Partial<KernelRefusal>): KernelRefusal => ({
  operation: 'create',
  device: dev(),
  file: `/sys/class/mdev_bus/${GPU}/mdev_supported_types/i915-GVTg_V5_4/create`,
  value: U1,
  code: 'ENOSPC',
  errno: 28,
  ...r,
});

test('hints: ENOSPC (the shared pool), ENODEV/ENOENT (no longer a parent), attributes', async () => {
  const h = await createTestHarness(createPlugin, { host: { activeDevices: [{ uuid: U2, parent: GPU, type: 'i915-GVTg_V5_1' }] } });
  assert.equal(
    await h.explainRefusal(refusal({})),
    '0000:00:02.0 has too little graphics memory or too few fence registers left for i915-GVTg_V5_4 (1 vGPU running); all GVT-g types of a GPU share them: stop a vGPU or use a smaller type (the _8 types take least)',
  );
  const gone = '0000:00:02.0 is no longer a GVT-g parent (kvmgt unloaded or the GPU unbound from i915)';
  assert.equal(await h.explainRefusal(refusal({ code: 'ENODEV', errno: 19 })), gone);
  assert.equal(await h.explainRefusal(refusal({ code: 'ENOENT', errno: 2 })), gone);
  assert.equal(await h.explainRefusal(refusal({ code: 'EEXIST', errno: 17 })), undefined);
  assert.equal(
    await h.explainRefusal(refusal({ operation: 'attribute', attribute: 'x', code: 'EACCES', errno: 13 })),
    "GVT-g vGPUs have no writable sysfs attributes; drop 'x' from the definition",
  );
  assert.equal(await h.explainRefusal(refusal({ operation: 'remove', code: 'EINVAL', errno: 22 })), undefined);
  const empty = await createTestHarness(createPlugin);
  assert.match((await empty.explainRefusal(refusal({}))) ?? '', /\(0 vGPUs running\)/);
});
