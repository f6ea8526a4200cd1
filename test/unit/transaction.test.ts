// One transaction per pipeline run (core/src/lifecycle/transaction.ts): the intent record begins
// once and always ends; a rollback runs the registered undo, a commit never does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'mdevctl';

const DEVICE = { uuid: '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01', parent: 'mtty', type: 'mtty-1', start: 'manual', attrs: [] } as const;
const INTENT = { pid: 1, action: 'start', live: false, defined: false, device: DEVICE, previous: undefined } as const;

function recorder(): { events: string[]; begin: () => void; end: () => void } {
  const events: string[] = [];
  return { events, begin: () => void events.push('begin'), end: () => void events.push('end') };
}

test('rollback undoes the recorded change, then ends the record; begin is written once', async () => {
  const r = recorder();
  const tx = new Transaction(r);
  tx.begin(INTENT);
  tx.begin(INTENT);
  tx.record('start', () => void r.events.push('undo'));
  assert.equal(await tx.rollback(), undefined);
  tx.end();
  assert.deepEqual(r.events, ['begin', 'undo', 'end']);
});

test('commit keeps the change and ends the record; a failed undo is reported, the record still ends', async () => {
  const r = recorder();
  const tx = new Transaction(r);
  tx.begin(INTENT);
  tx.record('start', () => void r.events.push('undo'));
  tx.commit();
  assert.deepEqual(r.events, ['begin', 'end']);

  const r2 = recorder();
  const tx2 = new Transaction(r2);
  tx2.begin(INTENT);
  tx2.record('definition', () => {
    throw new Error('EROFS');
  });
  assert.equal(await tx2.rollback(), 'Could not undo the definition: EROFS');
  assert.deepEqual(r2.events, ['begin', 'end']);
});
