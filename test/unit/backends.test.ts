// The device-backend seam in-process: which backend a plugin's provider opens (detection first,
// open only when something is there), which backend owns a parent (the plugins' in order, then the
// mdev bus), where each change goes (the owner of the parent; the backend running the device), a
// refusal explained by the backend when no plugin does, and a bad or failing backend as one line
// naming it. The mdev bus's write side is an injected recorder, so the simulated kernel sees nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Mdevctl, MdevctlError, SDK_VERSION, StderrLogger, SysfsFiles,
  type ActiveDevice, type BackendHost, type BackendProvider, type DeviceBackend, type MdevctlPlugin, type MdevTypeInfo, type SysfsBackend,
} from 'mdevctl';
import { simHost, type SimHost } from '../helpers/sim-host.js';

const U = (n: number) => `5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0${n}`;

/** An in-memory backend: each parent one slot of one type; every call recorded. */
class MemoryBackend implements DeviceBackend {
  readonly calls: string[][] = [];
  readonly running = new Map<string, ActiveDevice>();
  refuse: { code: string; errno: number } | undefined;
  failReads = false;
  readonly files = {
    create: (parent: string) => `/mem/${this.name}/${parent}/create`,
    remove: (uuid: string) => `/mem/${this.name}/${uuid}/remove`,
    attribute: (uuid: string, name: string) => `/mem/${this.name}/${uuid}/${name}`,
  };
  explanation: string | undefined = 'the memory is full';

  constructor(
    readonly name: string,
    private readonly owned: readonly string[],
  ) {}

  parents(): string[] {
    if (this.failReads) throw new Error('memory lost');
    return [...this.owned];
  }
  parentState(parent: string) {
    return this.owned.includes(parent) ? ('ready' as const) : undefined;
  }
  types(parent: string): MdevTypeInfo[] {
    return [{ parent, type: `${this.name}-slot`, deviceApi: 'vfio-pci', availableInstances: this.busy(parent) ? 0 : 1, name: `${this.name} slot` }];
  }
  hasType(parent: string, type: string): boolean {
    return type === `${this.name}-slot` && this.owned.includes(parent);
  }
  availableInstances(parent: string): number {
    return this.busy(parent) ? 0 : 1;
  }
  activeDevices(): ActiveDevice[] {
    return [...this.running.values()];
  }
  activeDevice(uuid: string): ActiveDevice | undefined {
    return this.running.get(uuid);
  }
  hasAttribute(): boolean {
    return true;
  }
  explainRefusal(): string | undefined {
    return this.explanation;
  }
  create(parent: string, type: string, uuid: string): void {
    this.calls.push(['create', parent, type, uuid]);
    if (this.refuse) throw Object.assign(new Error(`${this.refuse.code}: refused`), this.refuse);
    this.running.set(uuid, { uuid, parent, type });
  }
  remove(uuid: string): void {
    this.calls.push(['remove', uuid]);
    this.running.delete(uuid);
  }
  writeAttribute(uuid: string, name: string, value: string): void {
    this.calls.push(['attr', uuid, name, value]);
  }
  private busy(parent: string): boolean {
    return [...this.running.values()].some((d) => d.parent === parent);
  }
}

/** A plugin providing `backends`; records whether each provider was opened. */
function providing(name: string, backends: ReadonlyArray<{ backend: DeviceBackend; present?: boolean }>, opened: string[] = []): MdevctlPlugin {
  const providers: BackendProvider[] = backends.map(({ backend, present }) => ({
    name: backend.name,
    detect: () => present !== false,
    open: (host: BackendHost) => {
      assert.equal(typeof host.write, 'function');
      opened.push(backend.name);
      return backend;
    },
  }));
  return { name, sdkVersion: SDK_VERSION, backends: providers, apply: () => undefined };
}

/** The mdev bus's write side as a recorder. */
function mdevRecorder(root: string): SysfsBackend & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    files: new SysfsFiles(root),
    create: (parent, type, uuid) => void calls.push(['create', parent, type, uuid]),
    remove: (uuid) => void calls.push(['remove', uuid]),
    writeAttribute: (uuid, name, value) => void calls.push(['attr', uuid, name, value]),
  };
}

function app(h: SimHost, plugins: MdevctlPlugin[], mdev = mdevRecorder(h.root)): Mdevctl {
  return new Mdevctl({ root: h.root, backend: mdev, plugins, builtins: false, config: false, env: {}, log: new StderrLogger('error', () => undefined) });
}

async function withSim(fn: (h: SimHost) => Promise<void>): Promise<void> {
  const h = simHost({ parents: ['mtty'] });
  try {
    await fn(h);
  } finally {
    h.cleanup();
  }
}

test('a provider that detects nothing is never opened; one that does is, once', () =>
  withSim(async (h) => {
    const opened: string[] = [];
    const absent = new MemoryBackend('absent', ['a0']);
    const present = new MemoryBackend('mem', ['m0']);
    const mdevctl = app(h, [providing('p', [{ backend: absent, present: false }, { backend: present }], opened)]);
    assert.deepEqual(mdevctl.host.sysfs.parents(), ['mtty'], 'before the plugins load: the mdev bus only');
    await mdevctl.plugins();
    await mdevctl.plugins();
    assert.deepEqual(opened, ['mem']);
    assert.deepEqual(mdevctl.host.sysfs.parents(), ['m0', 'mtty']);
    assert.deepEqual(mdevctl.host.sysfs.all().map((b) => b.name), ['mem', 'mdev-bus']);
  }));

test("ownership per parent: the first plugin's backend that answers, then the mdev bus; unknown parents are the mdev bus's", () =>
  withSim(async (h) => {
    const first = new MemoryBackend('first', ['shared', 'f0']);
    const second = new MemoryBackend('second', ['shared', 's0', 'mtty']);
    const mdevctl = app(h, [providing('one', [{ backend: first }]), providing('two', [{ backend: second }])]);
    await mdevctl.plugins();
    const sysfs = mdevctl.host.sysfs;
    assert.equal(sysfs.ownerOf('shared').name, 'first');
    assert.equal(sysfs.ownerOf('s0').name, 'second');
    assert.equal(sysfs.ownerOf('mtty').name, 'second', 'a plugin backend asked before the mdev bus');
    assert.equal(sysfs.ownerOf('nowhere').name, 'mdev-bus');
    assert.deepEqual(sysfs.parents(), ['f0', 'mtty', 's0', 'shared']);
    assert.deepEqual(
      (await mdevctl.typeGroups()).map(([p, types]) => [p, types.map((t) => t.type)]),
      [['f0', ['first-slot']], ['mtty', ['second-slot']], ['s0', ['second-slot']], ['shared', ['first-slot']]],
    );
  }));

test('changes go to the owner of the parent and to the backend running the device; the mdev bus gets only its own', () =>
  withSim(async (h) => {
    const mem = new MemoryBackend('mem', ['m0']);
    const mdev = mdevRecorder(h.root);
    const mdevctl = app(h, [providing('p', [{ backend: mem }])], mdev);
    await mdevctl.start({ uuid: U(1), parent: 'm0', type: 'mem-slot' });
    await mdevctl.start({ uuid: U(2), parent: 'mtty', type: 'mtty-1' });
    assert.deepEqual(mem.calls, [['create', 'm0', 'mem-slot', U(1)]]);
    assert.deepEqual(mdev.calls, [['create', 'mtty', 'mtty-1', U(2)]]);
    assert.deepEqual(mdevctl.host.view.activeDevices(), [{ uuid: U(1), parent: 'm0', type: 'mem-slot' }], 'plugins see the union (the recorder made no mtty device)');
    await mdevctl.define({ uuid: U(1), auto: false });
    await mdevctl.modify({ uuid: U(1), addattr: 'speed', value: '3', delattr: false, auto: false, manual: false, live: false, defined: false });
    await mdevctl.stop(U(1));
    assert.deepEqual(mem.calls.slice(1), [['remove', U(1)]]);
    await mdevctl.start({ uuid: U(1) });
    assert.deepEqual(mem.calls.slice(2), [['create', 'm0', 'mem-slot', U(1)], ['attr', U(1), 'speed', '3']]);
    assert.deepEqual(mdev.calls, [['create', 'mtty', 'mtty-1', U(2)]], 'the mdev bus saw nothing of the memory backend');
  }));

test("a refusal is explained by the backend when no plugin's explainRefusal answers, by the plugin when it does", () =>
  withSim(async (h) => {
    const mem = new MemoryBackend('mem', ['m0']);
    mem.refuse = { code: 'ENOSPC', errno: -28 };
    const refused = (err: unknown, hint: string) =>
      err instanceof MdevctlError &&
      err.message.startsWith(`Failed to create mdev ${U(1)}, type mem-slot on m0: No space left on device (os error 28)`) &&
      err.message.endsWith(`; /mem/mem/m0/create: ${hint}`);
    await assert.rejects(app(h, [providing('p', [{ backend: mem }])]).start({ uuid: U(1), parent: 'm0', type: 'mem-slot' }), (e) => refused(e, 'the memory is full'));
    const explainer: MdevctlPlugin = {
      name: 'explainer',
      sdkVersion: SDK_VERSION,
      apply: (hooks) => hooks.query.explainRefusal.tap('explainer', () => 'a plugin knows better'),
    };
    await assert.rejects(app(h, [providing('p', [{ backend: mem }]), explainer]).start({ uuid: U(1), parent: 'm0', type: 'mem-slot' }), (e) => refused(e, 'a plugin knows better'));
    mem.explanation = undefined;
    await assert.rejects(app(h, [providing('p', [{ backend: mem }])]).start({ uuid: U(1), parent: 'm0', type: 'mem-slot' }), (e) =>
      e instanceof MdevctlError && e.message === `Failed to create mdev ${U(1)}, type mem-slot on m0: No space left on device (os error 28)`,
    );
  }));

test('a backend whose read fails, a provider without open() and a backend without methods are one line naming them', () =>
  withSim(async (h) => {
    const mem = new MemoryBackend('mem', ['m0']);
    mem.failReads = true;
    await assert.rejects(app(h, [providing('p', [{ backend: mem }])]).types(), (e) => e instanceof MdevctlError && e.message === 'Backend mem: memory lost');
    const noOpen = { name: 'bad', sdkVersion: SDK_VERSION, backends: [{ name: 'x' }], apply: () => undefined } as unknown as MdevctlPlugin;
    await assert.rejects(app(h, [noOpen]).plugins(), (e) => e instanceof MdevctlError && e.message === 'Plugin bad: each of its "backends" needs a name and an open() function');
    const hollow: MdevctlPlugin = { name: 'hollow', sdkVersion: SDK_VERSION, backends: [{ name: 'h', open: () => ({ name: 'h' }) as unknown as DeviceBackend }], apply: () => undefined };
    await assert.rejects(app(h, [hollow]).plugins(), (e) => e instanceof MdevctlError && e.message === 'Plugin hollow: backend h opened no device backend (no parents() method)');
    const failing: MdevctlPlugin = {
      name: 'failing',
      sdkVersion: SDK_VERSION,
      backends: [{ name: 'f', open: () => Promise.reject(new Error('no driver')) }],
      apply: () => undefined,
    };
    await assert.rejects(app(h, [failing]).plugins(), (e) => e instanceof MdevctlError && e.message === 'Plugin failing: backend f failed to open: no driver');
  }));

test('redetect opens a backend whose parents appeared after the plugins loaded (a wait for parents polls it), once', () =>
  withSim(async (h) => {
    const late = new MemoryBackend('late', ['l0']);
    let present = false;
    let opens = 0;
    const plugin: MdevctlPlugin = {
      name: 'p',
      sdkVersion: SDK_VERSION,
      backends: [{ name: 'late', detect: () => present, open: () => (opens++, late) }],
      apply: () => undefined,
    };
    const mdevctl = app(h, [plugin]);
    await mdevctl.plugins();
    await mdevctl.host.redetect();
    assert.deepEqual([opens, mdevctl.host.sysfs.parents()], [0, ['mtty']]);
    present = true;
    await mdevctl.host.redetect();
    await mdevctl.host.redetect();
    assert.deepEqual([opens, mdevctl.host.sysfs.parents()], [1, ['l0', 'mtty']]);
  }));
