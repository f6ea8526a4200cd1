// The pure parts of placement: core's proportional room, the SDK's shared-pool room, the vendor
// plugins' room answers through the SDK test harness, and parent name patterns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHarness } from '@mdevctl/plugin-sdk/testing';
import { sharedPoolRoom, type MdevTypeInfo, type PlacementRoomQuery } from '@mdevctl/plugin-sdk';
import createMtty from '@mdevctl/plugin-mtty';
import createCcw from '@mdevctl/plugin-vfio-ccw';
import { globRegExp, proportionalRoom } from 'mdevctl';

const t = (parent: string, type: string, availableInstances: number, description?: string): MdevTypeInfo => ({
  parent, type, availableInstances, deviceApi: 'vfio-pci', ...(description !== undefined ? { description } : {}),
});
const q = (o: Partial<PlacementRoomQuery> & Pick<PlacementRoomQuery, 'parent' | 'type' | 'types'>): PlacementRoomQuery => ({ active: [], removing: [], adding: [], ...o });

test('proportionalRoom: one type counts down; types of one pool share it; a stopped device gives back its own type', () => {
  const types = [t('mdpy', 'vga', 4), t('mdpy', 'hd', 4)];
  assert.equal(proportionalRoom(q({ parent: 'mdpy', type: 'vga', types })), 4);
  assert.equal(proportionalRoom(q({ parent: 'mdpy', type: 'vga', types, adding: ['vga', 'vga', 'vga'] })), 1);
  assert.equal(proportionalRoom(q({ parent: 'mdpy', type: 'vga', types, adding: ['hd', 'hd', 'vga', 'vga'] })), 0);
  const gone = { uuid: 'u', parent: 'mdpy', type: 'vga' };
  assert.equal(proportionalRoom(q({ parent: 'mdpy', type: 'vga', types: [t('mdpy', 'vga', 0)], removing: [gone] })), 1);
  assert.equal(proportionalRoom(q({ parent: 'mdpy', type: 'hd', types: [t('mdpy', 'vga', 0), t('mdpy', 'hd', 0)], removing: [gone] })), 0);
  assert.equal(proportionalRoom(q({ parent: 'mdpy', type: 'xga', types })), 0);
  // Proportional pools (mbochs: 64/16/4 of 4/16/64 MB) come out exact.
  const mb = [t('mbochs', 's', 64), t('mbochs', 'm', 16), t('mbochs', 'l', 4)];
  assert.equal(proportionalRoom(q({ parent: 'mbochs', type: 's', types: mb, adding: ['l', 'l', 'm'] })), 64 - 32 - 4);
});

test('sharedPoolRoom: units freed by stops, taken by starts; a type without a cost fits nowhere', () => {
  const cost = (type: string) => ({ a: 1, b: 2 } as Record<string, number>)[type];
  const base = q({ parent: 'p', type: 'b', types: [] });
  assert.equal(sharedPoolRoom(base, 5, cost), 2);
  assert.equal(sharedPoolRoom({ ...base, adding: ['a'] }, 5, cost), 2);
  assert.equal(sharedPoolRoom({ ...base, adding: ['a', 'a'] }, 5, cost), 1);
  assert.equal(sharedPoolRoom({ ...base, removing: [{ uuid: 'u', parent: 'p', type: 'b' }] }, 0, cost), 1);
  assert.equal(sharedPoolRoom({ ...base, type: 'c' }, 5, cost), 0);
});

test('mtty and vfio-ccw answer placement.room for their devices only', async () => {
  const mtty = await createTestHarness(createMtty);
  const types = [t('mtty', 'mtty-1', 22), t('mtty', 'mtty-2', 11)];
  const active = [{ uuid: 'u1', parent: 'mtty', type: 'mtty-2' }];
  assert.equal(await mtty.room(q({ parent: 'mtty', type: 'mtty-1', types, active, adding: ['mtty-2'] })), 20);
  assert.equal(await mtty.room(q({ parent: 'mtty', type: 'mtty-1', types, active, removing: active })), 24);
  assert.equal(await mtty.room(q({ parent: 'mdpy', type: 'mdpy-vga', types })), undefined);
  const ccw = await createTestHarness(createCcw);
  const ccwTypes = [t('0.0.0313', 'vfio_ccw-io', 1)];
  assert.equal(await ccw.room(q({ parent: '0.0.0313', type: 'vfio_ccw-io', types: ccwTypes })), 1);
  assert.equal(await ccw.room(q({ parent: '0.0.0313', type: 'vfio_ccw-io', types: ccwTypes, adding: ['vfio_ccw-io'] })), 0);
  const busy = [{ uuid: 'u', parent: '0.0.0313', type: 'vfio_ccw-io' }];
  assert.equal(await ccw.room(q({ parent: '0.0.0313', type: 'vfio_ccw-io', types: ccwTypes, active: busy })), 0);
  assert.equal(await ccw.room(q({ parent: '0.0.0313', type: 'vfio_ccw-io', types: ccwTypes, active: busy, removing: busy })), 1);
});

test('globRegExp: *, ? and [...] match; everything else is literal', () => {
  assert.ok(globRegExp('0000:4*:00.0').test('0000:41:00.0'));
  assert.ok(!globRegExp('0000:4*:00.0').test('0000:41:00x0'));
  assert.ok(globRegExp('0000:4[12]:00.?').test('0000:42:00.1'));
  assert.ok(!globRegExp('0000:4[12]:00.?').test('0000:43:00.1'));
  assert.ok(globRegExp('0000:4[!12]:00.0').test('0000:43:00.0'));
  assert.ok(!globRegExp('mtty').test('mtty2'));
  assert.ok(globRegExp('a+b(c)').test('a+b(c)'));
});

test('proportionalRoom: a parent the plan empties offers a type its description\'s max_instance', () => {
  const types = [t('gpu', 'q1', 0, 'framebuffer=1024M, max_instance=8'), t('gpu', 'q4', 0, 'framebuffer=4096M, max_instance=2')];
  const running = [{ uuid: 'a', parent: 'gpu', type: 'q1' }, { uuid: 'b', parent: 'gpu', type: 'q1' }];
  // Still running there: no room for another type.
  assert.equal(proportionalRoom(q({ parent: 'gpu', type: 'q4', types, active: running, removing: [running[0]!] })), 0);
  // Emptied: the empty parent's count.
  assert.equal(proportionalRoom(q({ parent: 'gpu', type: 'q4', types, active: running, removing: running })), 2);
  assert.equal(proportionalRoom(q({ parent: 'gpu', type: 'q4', types, active: running, removing: running, adding: ['q4'] })), 1);
});

test('formatStep: names from sysfs or a file are escaped as list escapes them (no forged lines)', async () => {
  const { formatStep } = await import('mdevctl');
  const line = formatStep({ action: 'stop', uuid: 'u', parent: 'p\nError: forged', type: 't\u001b[2J', what: 'prune' });
  assert.equal(line.includes('\n'), false);
  assert.equal(line.includes('\u001b'), false);
  assert.match(line, /p\\nError: forged/);
});
