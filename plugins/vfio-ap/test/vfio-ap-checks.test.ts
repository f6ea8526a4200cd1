// The vfio-ap plugin's pure logic through the SDK harness: attribute checks, APQN conflicts for
// each action (all reported at once), the persistent masks of s390-tools' udev rule, hints and
// the extended listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHarness, type TestHostData } from '@mdevctl/plugin-sdk/testing';
import type { Attribute, Diagnostic, MdevDevice } from '@mdevctl/plugin-sdk';
import createPlugin, { parseId } from '@mdevctl/plugin-vfio-ap';
import { kstrtoul } from '@mdevctl/plugin-sim';
import fc from 'fast-check';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const U3 = '33333333-3333-4333-8333-333333333333';
const ME = '99999999-9999-4999-8999-999999999999';

const attrs = (...pairs: Array<[string, string]>): Attribute[] => pairs.map(([name, value]) => ({ name, value }));
const ap = (uuid: string, start: 'auto' | 'manual', ...pairs: Array<[string, string]>): MdevDevice => ({
  uuid,
  parent: 'matrix',
  type: 'vfio_ap-passthrough',
  start,
  attrs: attrs(...pairs),
});

/** A mask with these bits set (bit 0 leftmost), as the kernel prints it. */
function mask(bits: number[]): string {
  const bytes = new Array<number>(32).fill(0);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  return `0x${bytes.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
const all = (except: number[]): number[] => [...Array(256).keys()].filter((i) => !except.includes(i));

/** A host whose AP bus keeps everything but adapters 5, 6 and domains 4, 0x47, 0xab. */
function apHost(extra: TestHostData = {}): TestHostData {
  return {
    ...extra,
    files: {
      'sys/bus/ap/ap_max_adapter_id': '63\n',
      'sys/bus/ap/ap_max_domain_id': '191\n',
      'sys/bus/ap/apmask': `${mask(all([5, 6]))}\n`,
      'sys/bus/ap/aqmask': `${mask(all([4, 0x47, 0xab]))}\n`,
      ...extra.files,
    },
  };
}

const lines = (ds: Diagnostic[], severity: 'error' | 'warning'): string[] =>
  ds.filter((d) => d.severity === severity).map((d) => d.message);

test('unknown attributes, bad values and ids above ap_max_*_id are errors naming the attribute', async () => {
  const h = await createTestHarness(createPlugin, { host: apHost() });
  const ds = await h.validate(
    ap(ME, 'manual', ['assign_adapter', '5'], ['foo', '1'], ['assign_domain', 'x4'], ['assign_adapter', '64'], ['assign_control_domain', '0xc0']),
  );
  assert.deepEqual(lines(ds, 'error'), [
    "Unknown vfio-ap attribute 'foo' (vfio-ap takes assign_adapter, assign_domain, assign_control_domain, ap_config, unassign_adapter, unassign_domain, unassign_control_domain)",
    "assign_domain 'x4' is not a domain id (decimal or 0x hex, or a comma list of them)",
    "assign_adapter '64': adapter 64 is above this system's highest adapter id (63, /sys/bus/ap/ap_max_adapter_id)",
    "assign_control_domain '0xc0': control domain 192 is above this system's highest control domain id (191, /sys/bus/ap/ap_max_domain_id)",
  ]);
  assert.ok(ds.every((d) => d.source === 'vfio-ap'));
});

test('without /sys/bus/ap the highest id is 255; decimal and 0x hex are the same id (a repeat warns)', async () => {
  const h = await createTestHarness(createPlugin);
  const ds = await h.validate(ap(ME, 'manual', ['assign_adapter', '255'], ['assign_adapter', '0xff'], ['assign_domain', '256']));
  assert.deepEqual(lines(ds, 'warning'), ['assign_adapter 255 is given more than once']);
  assert.deepEqual(lines(ds, 'error'), ["assign_domain '256': domain 256 is above this system's highest domain id (255)"]);
});

test('a comma list is a warning at define and an error at start (the kernel takes one id per write)', async () => {
  const h = await createTestHarness(createPlugin, { host: apHost() });
  const dev = ap(ME, 'manual', ['assign_adapter', '5,6'], ['assign_domain', '4']);
  const text = "assign_adapter '5,6': the kernel takes one id per write, so the start would fail; give each id its own assign_adapter attribute";
  assert.deepEqual(lines(await h.validate(dev, { action: 'define' }), 'warning'), [text]);
  assert.deepEqual(lines(await h.validate(dev, { action: 'start' }), 'error'), [text]);
});

test('ap_config: three masks replace the matrix; malformed or too high ids are errors', async () => {
  const h = await createTestHarness(createPlugin, { host: apHost() });
  const good = `${mask([5])},${mask([4, 0x47])},${mask([4])}`;
  assert.deepEqual(await h.validate(ap(ME, 'manual', ['assign_adapter', '6'], ['ap_config', good])), []);
  const listed = await h.listDevice(ap(ME, 'manual', ['assign_adapter', '6'], ['ap_config', good]), { defined: true });
  assert.deepEqual(listed.lines, ['Adapters: 05', 'Usage domains: 0004 0047', 'Control domains: 0004', 'APQNs: 05.0004 05.0047']);
  const ds = await h.validate(ap(ME, 'manual', ['ap_config', '0x8,0x8'], ['ap_config', `0x0000000000000001,${mask([4])},0x`]));
  assert.deepEqual(lines(ds, 'error'), [
    "ap_config '0x8,0x8' is not three 256-bit masks 'adapters,domains,control domains' (0x and up to 64 hex digits each)",
    `ap_config '0x0000000000000001,${mask([4])},0x' is not three 256-bit masks 'adapters,domains,control domains' (0x and up to 64 hex digits each)`,
  ]);
  const high = await h.validate(ap(ME, 'manual', ['ap_config', `${mask([70])},${mask([4])},${mask([])}`]));
  assert.match(lines(high, 'error')[0] ?? '', /adapter 70 is above this system's highest adapter id \(63/);
});

test('define of an auto device: every APQN shared with another auto definition is one line, all at once', async () => {
  const h = await createTestHarness(createPlugin, {
    host: apHost({
      definitions: [
        ap(U1, 'auto', ['assign_adapter', '5'], ['assign_domain', '4'], ['assign_domain', '0x47']),
        ap(U2, 'auto', ['assign_adapter', '6'], ['assign_domain', '0x47'], ['assign_control_domain', '0xab']),
        ap(U3, 'manual', ['assign_adapter', '5'], ['assign_domain', '4']),
      ],
    }),
  });
  const mine = ap(ME, 'auto', ['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '4'], ['assign_domain', '0x47'], ['assign_control_domain', '0xab']);
  assert.deepEqual(lines(await h.validate(mine, { action: 'define' }), 'error'), [
    `APQN 05.0004 is also assigned to auto-start device ${U1}`,
    `APQN 05.0047 is also assigned to auto-start device ${U1}`,
    `APQN 06.0047 is also assigned to auto-start device ${U2}`,
  ]);
  // A manual definition is only checked when it starts; a control domain is never a conflict.
  assert.deepEqual(await h.validate({ ...mine, start: 'manual' }, { action: 'define' }), []);
  assert.deepEqual(await h.validate(ap(ME, 'auto', ['assign_adapter', '6'], ['assign_domain', '0xab'], ['assign_control_domain', '0x47'])), []);
});

test('modify: the new definition is checked when it is auto, not its old self', async () => {
  const h = await createTestHarness(createPlugin, {
    host: apHost({ definitions: [ap(U1, 'auto', ['assign_adapter', '5'], ['assign_domain', '4']), ap(ME, 'auto', ['assign_adapter', '5'], ['assign_domain', '0x47'])] }),
  });
  const modified = ap(ME, 'auto', ['assign_adapter', '5'], ['assign_domain', '0x47'], ['assign_domain', '4']);
  assert.deepEqual(lines(await h.validate(modified, { action: 'modify' }), 'error'), [`APQN 05.0004 is also assigned to auto-start device ${U1}`]);
  assert.deepEqual(await h.validate({ ...modified, attrs: modified.attrs.slice(0, 2) }, { action: 'modify' }), []);
});

const RULE = (apBits: number[], aqBits: number[]): string =>
  [
    '# Generated by chzdev',
    'ACTION=="change", SUBSYSTEM=="ap", DEVPATH=="/devices/ap", ENV{BINDINGS}=="complete", ENV{COMPLETECOUNT}=="1", GOTO="cfg_ap"',
    'GOTO="end_ap"',
    '',
    'LABEL="cfg_ap"',
    '',
    `ATTR{../../bus/ap/apmask}="${mask(apBits)}"`,
    `ATTR{../../bus/ap/aqmask}="${mask(aqBits)}"`,
    'RUN{builtin}+="kmod load vfio_ap"',
    '',
    'LABEL="end_ap"',
    '',
  ].join('\n');

test("an auto define is checked against the persistent masks of s390-tools' udev rule, else the live ones", async () => {
  const mine = ap(ME, 'auto', ['assign_adapter', '5'], ['assign_adapter', '7'], ['assign_domain', '4'], ['assign_domain', '1']);
  const live = await createTestHarness(createPlugin, { host: apHost() });
  assert.deepEqual(lines(await live.validate(mine), 'error'), [
    'APQN 07.0001 is reserved for the host by the AP bus masks (no persistent ones in /etc/udev/rules.d/41-ap.rules; the live /sys/bus/ap masks)',
  ]);
  // The rule gives adapter 7 and domain 1 to vfio_ap after the next boot, but keeps 05.0004.
  const rule = await createTestHarness(createPlugin, {
    host: apHost({ files: { 'etc/udev/rules.d/41-ap.rules': RULE(all([7, 6]), all([1, 0x47])) } }),
  });
  assert.deepEqual(lines(await rule.validate(mine), 'error'), [
    'APQN 05.0004 is reserved for the host by the persistent AP bus masks in /etc/udev/rules.d/41-ap.rules',
  ]);
});

function activeHost(): TestHostData {
  return apHost({
    definitions: [ap(U3, 'auto', ['assign_adapter', '6'], ['assign_domain', '0xab'])],
    activeDevices: [
      { uuid: U1, parent: 'matrix', type: 'vfio_ap-passthrough' },
      { uuid: U2, parent: 'matrix', type: 'vfio_ap-passthrough' },
    ],
    files: {
      [`sys/bus/mdev/devices/${U1}/matrix`]: '05.0004\n05.0047\n',
      [`sys/bus/mdev/devices/${U1}/control_domains`]: '0004\n',
      [`sys/bus/mdev/devices/${U2}/matrix`]: '.00ab\n',
    },
  });
}

test('start: against the running devices (matrix files) and the live masks, all at once', async () => {
  const h = await createTestHarness(createPlugin, { host: activeHost() });
  const mine = ap(ME, 'manual', ['assign_adapter', '5'], ['assign_adapter', '7'], ['assign_domain', '4'], ['assign_domain', '1'], ['assign_domain', '0xab']);
  assert.deepEqual(lines(await h.validate(mine, { action: 'start' }), 'error'), [
    `APQN 05.0004 is already in use by running device ${U1}`,
    'APQN 07.0001 is still owned by the host, as set in the live AP bus masks /sys/bus/ap/apmask and aqmask',
  ]);
  // U2 has only a domain (no APQN yet); U3 is auto but not running: neither conflicts at start.
  assert.deepEqual(await h.validate(ap(ME, 'manual', ['assign_adapter', '6'], ['assign_domain', '0xab']), { action: 'start' }), []);
});

test('mdevctl validate (checkOnly) of an auto definition adds the define-time checks', async () => {
  const h = await createTestHarness(createPlugin, { host: activeHost() });
  const mine = ap(ME, 'auto', ['assign_adapter', '6'], ['assign_domain', '0xab']);
  assert.deepEqual(lines(await h.validate(mine, { action: 'start', checkOnly: true }), 'error'), [
    `APQN 06.00ab is also assigned to auto-start device ${U3}`,
  ]);
  assert.deepEqual(await h.validate({ ...mine, start: 'manual' }, { action: 'start', checkOnly: true }), []);
});

test('modify --live checks the running devices; --live --defined of an auto device both', async () => {
  const h = await createTestHarness(createPlugin, { host: activeHost() });
  const mine = ap(ME, 'auto', ['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '4'], ['assign_domain', '0xab']);
  const req = (defined: boolean) => ({
    action: 'modify' as const, uuid: ME, delattr: false, auto: false, manual: false, live: true, defined,
  });
  assert.deepEqual(lines(await h.validate(mine, { action: 'modify', request: req(false) }), 'error'), [
    `APQN 05.0004 is already in use by running device ${U1}`,
  ]);
  assert.deepEqual(lines(await h.validate(mine, { action: 'modify', request: req(true) }), 'error'), [
    `APQN 06.00ab is also assigned to auto-start device ${U3}`,
    `APQN 05.0004 is already in use by running device ${U1}`,
  ]);
});

test('control domains without a usage domain: an error for auto devices and at start, a warning otherwise', async () => {
  const h = await createTestHarness(createPlugin, { host: apHost() });
  const text = 'Control domains without any usage domain: assign at least one usage domain (assign_domain)';
  const dev = ap(ME, 'manual', ['assign_adapter', '5'], ['assign_control_domain', '4']);
  assert.deepEqual(lines(await h.validate(dev, { action: 'define' }), 'warning'), [text]);
  assert.deepEqual(lines(await h.validate({ ...dev, start: 'auto' }, { action: 'define' }), 'error'), [text]);
  assert.deepEqual(lines(await h.validate(dev, { action: 'start' }), 'error'), [text]);
});

test('stop, undefine and other devices are not checked', async () => {
  const h = await createTestHarness(createPlugin, { host: activeHost() });
  const bad = ap(ME, 'auto', ['foo', '1']);
  assert.deepEqual(await h.validate(bad, { action: 'stop' }), []);
  assert.deepEqual(await h.validate(bad, { action: 'undefine' }), []);
  assert.deepEqual(await h.validate({ ...bad, parent: 'mtty', type: 'mtty-1' }, { action: 'define' }), []);
});

test('hints name the APQN and the device holding it, the host masks, and the highest id', async () => {
  const h = await createTestHarness(createPlugin, { host: activeHost() });
  const device = ap(ME, 'manual', ['assign_adapter', '5'], ['assign_adapter', '7'], ['assign_domain', '4'], ['assign_domain', '1']);
  const refusal = (attribute: string, value: string, code: string, errno: number) => ({
    operation: 'attribute' as const, device, file: `/sys/bus/mdev/devices/${ME}/${attribute}`, attribute, value, code, errno,
  });
  assert.equal(await h.explainRefusal(refusal('assign_domain', '4', 'EADDRINUSE', 98)), `APQN 05.0004 is already assigned to mediated device ${U1}`);
  assert.equal(
    await h.explainRefusal(refusal('assign_domain', '1', 'EADDRNOTAVAIL', 99)),
    "APQN 07.0001 is still owned by the host's AP drivers: release it in /sys/bus/ap/apmask or aqmask (chzdev -t ap) first",
  );
  assert.equal(
    await h.explainRefusal(refusal('assign_adapter', '0x40', 'ENODEV', 19)),
    "id 64 is above this system's highest adapter id (63, /sys/bus/ap/ap_max_adapter_id)",
  );
  assert.equal(
    await h.explainRefusal(refusal('assign_adapter', '5,6', 'EINVAL', 22)),
    'the kernel takes one id per write; give each id its own assign_adapter attribute',
  );
  assert.match((await h.explainRefusal(refusal('assign_domain', '4', 'EBUSY', 16))) ?? '', /in use by a guest/);
  assert.equal(await h.explainRefusal(refusal('assign_domain', '4', 'ENOSPC', 28)), undefined);
  assert.equal(await h.explainRefusal({ ...refusal('x', '1', 'EBUSY', 16), operation: 'create' }), undefined);
});

test('list -x: a running device shows its sysfs matrix, a definition its attributes; JSON has apqn_matrix', async () => {
  const h = await createTestHarness(createPlugin, { host: activeHost() });
  const running = await h.listDevice(ap(U1, 'manual'), { defined: false, json: true });
  assert.deepEqual(running.fields, {
    apqn_matrix: { adapters: ['05'], usage_domains: ['0004', '0047'], control_domains: ['0004'], apqns: ['05.0004', '05.0047'] },
  });
  const empty = await h.listDevice(ap(ME, 'manual'), { defined: true });
  assert.deepEqual(empty.lines, ['Adapters: none', 'Usage domains: none', 'Control domains: none', 'APQNs: none']);
});

test('lockWaitMs must be a whole number from 0', async () => {
  await assert.rejects(createTestHarness(createPlugin, { options: { lockWaitMs: -1 } }), /lockWaitMs must be a whole number/);
});

test('unassign_* takes an id out of the matrix again, as the kernel does', async () => {
  const h = await createTestHarness(createPlugin, { host: apHost() });
  const dev = ap(ME, 'manual', ['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '4'], ['unassign_adapter', '5']);
  assert.deepEqual(await h.validate(dev, { action: 'start' }), []);
  assert.deepEqual((await h.listDevice(dev, { defined: true })).lines.at(-1), 'APQNs: 06.0004');
});

test('ids are read as the kernel reads them (kstrtoul base 0): 010 is octal 8, 08 and 09 are no ids, 0x hex, + and one newline', () => {
  const read: Array<[string, number | undefined]> = [
    ['0', 0], ['10', 10], ['010', 8], ['0x10', 16], ['0X1f', 31], ['+5', 5], ['5\n', 5], ['007', 7],
    ['08', undefined], ['09', undefined], ['0x', undefined], [' 5', undefined], ['5 ', undefined], ['5\n\n', undefined], ['-1', undefined], ['', undefined], ['0b1', undefined],
  ];
  for (const [text, id] of read) assert.equal(parseId(text), id, JSON.stringify(text));
  // the same as the simulator's kstrtoul (written from lib/kstrtox.c) for any short string of these characters
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('0', '1', '7', '8', '9', 'a', 'F', 'x', 'X', '+', '-', ' ', '\n', ','), maxLength: 6 }), (text) => {
      const k = kstrtoul(text);
      assert.equal(parseId(text), typeof k === 'bigint' ? Number(k) : undefined, JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
});

test('define: an octal id conflicts where the kernel puts it (010 is adapter 8, not 10); 08 is refused', async () => {
  const h = await createTestHarness(createPlugin, {
    host: apHost({ definitions: [ap(U1, 'auto', ['assign_adapter', '8'], ['assign_domain', '4'])] }),
  });
  const octal = await h.validate(ap(ME, 'auto', ['assign_adapter', '010'], ['assign_domain', '4']), { action: 'define' });
  assert.deepEqual(lines(octal, 'error'), [`APQN 08.0004 is also assigned to auto-start device ${U1}`]);
  assert.deepEqual(lines(octal, 'warning'), ["assign_adapter '010': the kernel reads 010 as octal, adapter 8 (0x8); write 8 if that is meant"]);
  assert.deepEqual(await h.validate(ap(ME, 'auto', ['assign_adapter', '10'], ['assign_domain', '4']), { action: 'define' }), []);
  assert.deepEqual(lines(await h.validate(ap(ME, 'auto', ['assign_adapter', '08'], ['assign_domain', '4']), { action: 'define' }), 'error'), [
    "assign_adapter '08' is no adapter id: the kernel reads a leading 0 as octal, where 8 and 9 are no digits (write it without the 0, or as 0x hex)",
  ]);
});

test('conflicts follow the writes in order: an unassign after the conflicting assign does not clear it; an ap_config replaces the assigns before it', async () => {
  const h = await createTestHarness(createPlugin, {
    host: apHost({ definitions: [ap(U1, 'auto', ['assign_adapter', '5'], ['assign_domain', '0x47'])] }),
  });
  const conflict = `APQN 05.0047 is also assigned to auto-start device ${U1}`;
  // the kernel refuses the assign_adapter 5 write itself: the later unassign never runs
  const undone = ap(ME, 'auto', ['assign_domain', '0x47'], ['assign_adapter', '5'], ['unassign_adapter', '5'], ['assign_adapter', '6']);
  assert.deepEqual(lines(await h.validate(undone, { action: 'define' }), 'error'), [conflict]);
  const cfg = `${mask([6])},${mask([0x47])},${mask([])}`;
  // the same with ap_config as the later write
  const replaced = ap(ME, 'auto', ['assign_domain', '0x47'], ['assign_adapter', '5'], ['ap_config', cfg]);
  assert.deepEqual(lines(await h.validate(replaced, { action: 'define' }), 'error'), [conflict]);
  // assigns that never held 05.0047, replaced by an ap_config without it: no conflict
  const clean = ap(ME, 'auto', ['assign_adapter', '5'], ['ap_config', cfg], ['assign_domain', '4']);
  assert.deepEqual(lines(await h.validate(clean, { action: 'define' }), 'error'), []);
});
