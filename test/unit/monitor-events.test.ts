// The monitor's pure parts: the events between two states (each change once, in order), the
// filter, the text and JSON lines (escaped as every output), which uevents concern which backend,
// and udevadm's arguments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffDefinitions, diffDevices, domainsOf, formatEventJson, formatEventText, matches, udevadmArgs,
  type DefinitionState, type DevicesSnapshot, type MonitorEvent,
} from 'mdevctl';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';

function defs(...list: DefinitionState[]) {
  return { definitions: new Map(list.map((d) => [`${d.parent}/${d.uuid}`, d])) };
}
function def(uuid: string, parent: string, type: string, start = 'manual', attrs = '[]'): DefinitionState {
  return { uuid, parent, type, start, attrs };
}
function devs(parents: string[], running: Array<[string, string, string]>): DevicesSnapshot {
  return { parents: new Set(parents), running: new Map(running.map(([uuid, parent, type]) => [uuid, { uuid, parent, type }])) };
}

test('definitions: defined, undefined, modified with what changed; equal states give nothing', () => {
  const before = defs(def(U1, 'mtty', 'mtty-1'), def(U2, 'mtty', 'mtty-2'));
  assert.deepEqual(diffDefinitions(before, before), []);
  const after = defs(def(U1, 'mtty', 'mtty-2', 'auto', '[{"a":"b"}]'), def(U2, 'mdpy', 'mdpy-hd'));
  assert.deepEqual(diffDefinitions(before, after), [
    { event: 'undefined', uuid: U2, parent: 'mtty', type: 'mtty-2' },
    { event: 'defined', uuid: U2, parent: 'mdpy', type: 'mdpy-hd' },
    { event: 'modified', uuid: U1, parent: 'mtty', type: 'mtty-2', changed: ['type', 'start', 'attrs'] },
  ]);
});

test('devices: a parent before its devices, its devices before it goes; a uuid with another type was stopped and started', () => {
  const before = devs(['mdpy', 'mtty'], [[U1, 'mtty', 'mtty-1'], [U2, 'mdpy', 'mdpy-vga']]);
  const after = devs(['mbochs', 'mtty'], [[U1, 'mtty', 'mtty-2']]);
  assert.deepEqual(diffDevices(before, after), [
    { event: 'parent-added', parent: 'mbochs' },
    { event: 'stopped', uuid: U2, parent: 'mdpy', type: 'mdpy-vga' },
    { event: 'stopped', uuid: U1, parent: 'mtty', type: 'mtty-1' },
    { event: 'started', uuid: U1, parent: 'mtty', type: 'mtty-2' },
    { event: 'parent-removed', parent: 'mdpy' },
  ]);
  assert.deepEqual(diffDevices(after, after), []);
});

test('filter: -u keeps that uuid only (no parent events); -p that parent and its own events', () => {
  const events: MonitorEvent[] = [
    { event: 'parent-added', parent: 'mtty' },
    { event: 'started', uuid: U1, parent: 'mtty', type: 'mtty-1' },
    { event: 'started', uuid: U2, parent: 'mdpy', type: 'mdpy-vga' },
  ];
  assert.deepEqual(events.filter((e) => matches(e, { uuid: U1 })).map((e) => e.event), ['started']);
  assert.deepEqual(events.filter((e) => matches(e, { parent: 'mtty' })).map((e) => e.event), ['parent-added', 'started']);
  assert.equal(events.filter((e) => matches(e, { parent: 'mtty', uuid: U2 })).length, 0);
});

test('text and JSON lines: one line each, control characters escaped, lone surrogates U+FFFD', () => {
  const time = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
  const e: MonitorEvent = { event: 'modified', uuid: U1, parent: 'p\n\u001b[31mx\ud800', type: 't\r', changed: ['type', 'attrs'] };
  assert.equal(formatEventText(e, time), `2026-01-02T03:04:05.006Z modified ${U1} p\\n\\u{1b}[31mx\ufffd t\\r changed=type,attrs\n`);
  const json = formatEventJson(e, time);
  assert.equal(json.split('\n').length, 2);
  assert.ok(!json.includes('\\ud800'));
  assert.deepEqual(JSON.parse(json), { time: '2026-01-02T03:04:05.006Z', event: 'modified', uuid: U1, parent: 'p\n\u001b[31mx\ufffd', type: 't\r', changed: ['type', 'attrs'] });
  assert.equal(formatEventText({ event: 'parent-added', parent: 'mtty' }, time), '2026-01-02T03:04:05.006Z parent-added - mtty -\n');
  assert.equal(formatEventJson({ event: 'parent-added', parent: 'mtty' }, time), '{"time":"2026-01-02T03:04:05.006Z","event":"parent-added","uuid":null,"parent":"mtty","type":null}\n');
});

test('uevents: the mdev bus takes its subsystem and any MDEV_STATE; other backends their subsystems', () => {
  const watched = [
    { domain: 'mdev-bus', subsystems: ['mdev'] },
    { domain: 'vf', subsystems: ['pci'] },
  ];
  const ev = (o: Record<string, string>) => new Map(Object.entries(o));
  assert.deepEqual(domainsOf(ev({ ACTION: 'add', SUBSYSTEM: 'mdev' }), watched), ['mdev-bus']);
  assert.deepEqual(domainsOf(ev({ ACTION: 'change', SUBSYSTEM: 'mtty', MDEV_STATE: 'registered' }), watched), ['mdev-bus']);
  assert.deepEqual(domainsOf(ev({ ACTION: 'change', SUBSYSTEM: 'pci', MDEV_STATE: 'unregistered' }), watched), ['mdev-bus', 'vf']);
  assert.deepEqual(domainsOf(ev({ ACTION: 'add', SUBSYSTEM: 'net' }), watched), []);
  assert.deepEqual(udevadmArgs(['mdev', 'pci']), ['monitor', '--kernel', '--property']);
  assert.deepEqual(udevadmArgs(['pci', 'pci']), ['monitor', '--kernel', '--property', '--subsystem-match=pci']);
});
