// The desired-state stage in the real-kernel guest (issue 17): `mdevctl apply` over mtty, mdpy and
// mbochs that fills the mtty and mdpy pools (the kernel's own available_instances, the mtty
// plugin's shared ports), a file one device over a pool refused with nothing changed, a second
// apply that changes nothing, an assert that finds a device stopped behind mdevctl's back, and a
// prune that removes everything the file made. main.ts calls desiredState() in its own section.

import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { activeDevices, available, check, definitions, oursInProcess as ours, pools, removeRaw, show } from './lib.js';

const FILE = '/tmp/desired.yaml';
const EMPTY = '/tmp/desired-empty.yaml';
const OVER = '/tmp/desired-over.yaml';
const RECORD_DIR = '/var/lib/mdevctl/desired';

const DESIRED = `name: kernel-guest
devices:
  - {name: console, parent: mtty, type: mtty-2}
requests:
  - {name: serial, type: mtty-1, count: 22, parents: [mtty]}
  - {name: vga, type: mdpy-vga, count: 2, parents: [mdpy], placement: pack}
  - {name: hd, typeName: mdpy-hd, count: 2, parents: ["md*"]}
  - {name: fb, type: mbochs-medium, count: 3, parents: {name: "mbochs"}, placement: spread}
`;

interface PlanJson {
  changed: boolean;
  actions: Array<{ action: string; parent: string; uuid: string; type: string; for: string }>;
}

async function planOf(args: string[], status = 0): Promise<PlanJson> {
  const r = await ours([...args, '--json']);
  assert.equal(r.status, status, show(r));
  assert.equal(r.stderr, '', show(r));
  return JSON.parse(r.stdout) as PlanJson;
}

function hostState(): unknown {
  return { active: activeDevices(), defs: definitions(), pools: pools() };
}

export async function desiredState(): Promise<void> {
  rmSync(RECORD_DIR, { recursive: true, force: true });
  writeFileSync(FILE, DESIRED);
  writeFileSync(EMPTY, 'name: kernel-guest\n');
  writeFileSync(OVER, DESIRED.replace('count: 22', 'count: 23'));

  await check('apply: a file one device over the mtty ports is refused whole; nothing is changed', async () => {
    const before = hostState();
    const r = await ours(['apply', OVER]);
    assert.equal(r.status, 1, show(r));
    assert.match(r.stderr, /^Error: No room for request serial #22 \(mtty-1, placement spread\) on mtty: every pool is full\n$/, show(r));
    assert.deepEqual(hostState(), before);
  });

  await check('apply: defines and starts 30 devices on the real parents; the mtty and mdpy pools are full', async () => {
    const plan = await planOf(['apply', FILE]);
    assert.equal(plan.changed, true);
    assert.equal(plan.actions.filter((a) => a.action === 'define').length, 30);
    assert.equal(plan.actions.filter((a) => a.action === 'start').length, 30);
    assert.equal(activeDevices().length, 30);
    assert.equal(available('mtty', 'mtty-1'), 0);
    assert.equal(available('mtty', 'mtty-2'), 0);
    for (const t of ['mdpy-vga', 'mdpy-hd', 'mdpy-xga']) assert.equal(available('mdpy', t), 0, t);
    assert.equal(available('mbochs', 'mbochs-medium'), 13);
  });

  await check('apply again: nothing to do, nothing written; assert and diff agree', async () => {
    const before = hostState();
    assert.deepEqual(await planOf(['apply', FILE]), { changed: false, actions: [] });
    assert.deepEqual(await ours(['assert', FILE]), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(await ours(['diff', FILE]), { status: 0, stdout: '', stderr: '' });
    assert.deepEqual(hostState(), before);
  });

  await check('assert: a device removed behind mdevctl\'s back is drift (exit 1, listed); apply puts it back', async () => {
    const plan = await planOf(['diff', FILE]);
    assert.deepEqual(plan.actions, []);
    const victim = activeDevices().find((l) => l.includes(' mdpy '))?.split(' ')[0];
    assert.ok(victim !== undefined);
    removeRaw(victim);
    const r = await ours(['assert', FILE]);
    assert.equal(r.status, 1, show(r));
    assert.match(r.stdout, new RegExp(`^start    mdpy/${victim} mdpy-(vga|hd) \\(request (vga|hd) #\\d\\)\\n$`), show(r));
    const again = await planOf(['apply', FILE]);
    assert.deepEqual(again.actions.map((a) => `${a.action} ${a.uuid}`), [`start ${victim}`]);
    assert.equal((await ours(['assert', FILE])).status, 0);
  });

  await check('apply --prune of an empty file removes every device the file made, and only those', async () => {
    const plan = await planOf(['apply', '--prune', EMPTY]);
    assert.equal(plan.actions.filter((a) => a.action === 'stop').length, 30);
    assert.equal(plan.actions.filter((a) => a.action === 'undefine').length, 30);
    assert.deepEqual(activeDevices(), []);
    assert.equal(available('mtty', 'mtty-1'), 24);
  });
  rmSync(RECORD_DIR, { recursive: true, force: true });
}
