// A plugin's taps see only the devices and types its claims cover: lifecycle runs (by the device,
// the definition it replaces or the running device), attribute queries, listings, interceptors.
// Real commands through the application on a simulated host; the plugins record what they see.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIFECYCLE_STAGES, Mdevctl, SDK_VERSION, type DeviceClaim, type MdevctlHooks, type MdevctlPlugin } from 'mdevctl';
import { simHost } from '../helpers/sim-host.js';

const U = (n: number) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0${n}`;

/** Records `what:parent/type` for every tap and interceptor call it gets. */
class Recorder implements MdevctlPlugin {
  readonly sdkVersion = SDK_VERSION;
  seen: string[] = [];
  constructor(
    readonly name: string,
    readonly claims?: DeviceClaim,
  ) {}

  apply(hooks: MdevctlHooks): void {
    const at = (what: string, d: { parent: string; type: string } | undefined) => this.seen.push(`${what}:${d?.parent}/${d?.type}`);
    for (const stage of LIFECYCLE_STAGES) {
      hooks.lifecycle[stage].tap(this.name, ((ctx: { action: string; device?: { parent: string; type: string } }) => {
        at(`${ctx.action}.${stage}`, ctx.device);
        return undefined;
      }) as never);
    }
    const open: string[] = [];
    // (an interceptor of `define` would see nothing here: the call begins before the device is built)
    hooks.lifecycle.pre.intercept({
      call: (ctx) => void open.push(`${ctx.action}:${ctx.device?.parent}`),
      done: () => void this.seen.push(`intercepted:${open.pop()}`),
    });
    hooks.query.activeAttributes.tap(this.name, (d) => void at('attributes', d));
    hooks.listing.device.tap(this.name, (l) => {
      at('list', l.device);
      l.line(`seen by ${this.name}`);
    });
    hooks.listing.type.tap(this.name, (l) => void at('type', l.type));
  }
}

test('taps, queries, listings and interceptors of a plugin with claims see only its devices', async () => {
  const h = simHost({ parents: ['mtty', 'mdpy'] });
  try {
    const mdpy = new Recorder('mdpy-only', { parents: ['mdpy'] });
    const everything = new Recorder('everything');
    const app = new Mdevctl({ root: h.root, env: {}, config: false, plugins: [mdpy, everything] });
    await app.define({ uuid: U(1), parent: 'mtty', type: 'mtty-1', auto: false });
    await app.define({ uuid: U(2), parent: 'mdpy', type: 'mdpy-vga', auto: false });
    await app.start({ uuid: U(1) });
    await app.start({ uuid: U(2) });
    const list = await app.list({ extended: true });
    await app.types({ extended: true });

    const stages = (action: string, dev: string) => LIFECYCLE_STAGES.map((s) => `${action}.${s}:${dev}`);
    assert.deepEqual(mdpy.seen, [
      ...stages('define', 'mdpy/mdpy-vga').slice(0, 3),
      'intercepted:define:mdpy',
      ...stages('define', 'mdpy/mdpy-vga').slice(3),
      ...stages('start', 'mdpy/mdpy-vga').slice(0, 3),
      'intercepted:start:mdpy',
      ...stages('start', 'mdpy/mdpy-vga').slice(3),
      'attributes:mdpy/mdpy-vga',
      'list:mdpy/mdpy-vga',
      'type:mdpy/mdpy-hd',
      'type:mdpy/mdpy-vga',
      'type:mdpy/mdpy-xga',
    ]);
    assert.ok(everything.seen.includes('define.validate:mtty/mtty-1') && everything.seen.includes('attributes:mtty/mtty-1'));
    assert.ok(everything.seen.includes('type:mtty/mtty-2') && everything.seen.includes('intercepted:start:mtty'));
    assert.equal(
      list,
      `${U(2)} mdpy mdpy-vga manual (defined)\n  Claimed by: mdpy-only\n  seen by mdpy-only\n  seen by everything\n` +
        `${U(1)} mtty mtty-1 manual (defined)\n  Claimed by: mtty\n  Ports: 1\n` +
        `  QEMU: -device vfio-pci,sysfsdev=${h.root}/sys/bus/mdev/devices/${U(1)}\n  seen by everything\n`,
    );
  } finally {
    h.cleanup();
  }
});

test('a run is seen when its device, the definition it replaces or the running device is claimed', async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const one = new Recorder('mtty-1-only', { types: ['mtty-1'] });
    const app = new Mdevctl({ root: h.root, env: {}, config: false, plugins: [one] });
    await app.define({ uuid: U(1), parent: 'mtty', type: 'mtty-2', auto: false });
    const modify = { uuid: U(1), delattr: false, auto: false, manual: false, live: false, defined: false };
    await app.modify({ ...modify, auto: true }); // mtty-2 -> mtty-2: not seen
    await app.modify({ ...modify, type: 'mtty-1' }); // into mtty-1: seen (the new device)
    await app.modify({ ...modify, type: 'mtty-2' }); // out of mtty-1: seen (the replaced definition)
    await app.undefine(U(1), undefined); // an mtty-2 definition: not seen
    const validates = one.seen.filter((s) => s.includes('.validate:'));
    assert.deepEqual(validates, ['modify.validate:mtty/mtty-1', 'modify.validate:mtty/mtty-2']);
  } finally {
    h.cleanup();
  }
});
