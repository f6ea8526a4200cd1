// The lifecycle pipeline in-process against an injected fake sysfs backend: the application
// asks the backend it is given (not the simulated kernel the tree would call for) to create and
// remove devices, and reports the backend's refusal as the kernel's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mdevctl, SysfsFiles, StderrLogger, MdevctlError, SDK_VERSION, type MdevctlPlugin, type SysfsBackend } from 'mdevctl';
import { simHost } from '../helpers/sim-host.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

/** Records every call; `refuse` makes create throw the errno error the kernel would. */
function fakeBackend(root: string, refuse?: string): SysfsBackend & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    files: new SysfsFiles(root),
    create(parent, type, uuid) {
      calls.push(['create', parent, type, uuid]);
      if (refuse) throw Object.assign(new Error(`${refuse}: refused`), { code: refuse, errno: -28 });
    },
    remove(uuid) {
      calls.push(['remove', uuid]);
    },
    writeAttribute(uuid, name, value) {
      calls.push(['attr', uuid, name, value]);
    },
  };
}

function app(root: string, backend: SysfsBackend, lines: string[] = []): Mdevctl {
  return new Mdevctl({ root, backend, config: false, env: {}, log: new StderrLogger('error', (l) => void lines.push(l)) });
}

test('start goes to the injected backend, not to the simulated kernel of the tree', async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const backend = fakeBackend(h.root);
    const mdevctl = app(h.root, backend);
    await mdevctl.start({ uuid: U, parent: 'mtty', type: 'mtty-1' });
    assert.deepEqual(backend.calls, [['create', 'mtty', 'mtty-1', U]]);
    assert.equal(backend.files.create('mtty', 'mtty-1'), h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create'));
    assert.deepEqual(h.activeUuids(), [], 'the simulated kernel saw nothing');
  } finally {
    h.cleanup();
  }
});

test("the backend's refusal fails the start with upstream's message and leaves the definition as it was", async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const backend = fakeBackend(h.root, 'ENOSPC');
    const mdevctl = app(h.root, backend);
    await mdevctl.define({ uuid: U, parent: 'mtty', type: 'mtty-1', auto: false });
    await assert.rejects(
      mdevctl.start({ uuid: U }),
      (err: unknown) =>
        err instanceof MdevctlError &&
        err.message.startsWith(`Failed to create mdev ${U}, type mtty-1 on mtty: `) &&
        (err.cause as { code?: string } | undefined)?.code === 'ENOSPC',
    );
    assert.deepEqual(backend.calls, [['create', 'mtty', 'mtty-1', U]]);
    assert.deepEqual(h.definitions('mtty'), [U], 'the earlier define stays');
  } finally {
    h.cleanup();
  }
});

test("plugins get a frozen read-only view of the host, not core's Host (no store, no backend)", async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const seen: object[] = [];
    const spy: MdevctlPlugin = {
      name: 'spy',
      sdkVersion: SDK_VERSION,
      apply(hooks) {
        hooks.lifecycle.validate.tap('spy', (ctx) => void seen.push(ctx.host));
      },
    };
    const mdevctl = new Mdevctl({ root: h.root, backend: fakeBackend(h.root), config: false, env: {}, plugins: [spy], log: new StderrLogger('error', () => undefined) });
    await mdevctl.define({ uuid: U, parent: 'mtty', type: 'mtty-1', auto: false });
    assert.equal(seen.length, 1);
    const host = seen[0] as Record<string, unknown>;
    assert.ok(Object.isFrozen(host));
    assert.deepEqual(Object.keys(host).sort(), ['activeDevices', 'definitions', 'parents', 'readFile', 'root', 'types']);
    assert.equal(host['root'], mdevctl.host.root);
  } finally {
    h.cleanup();
  }
});

test("plugins get the run's environment and stderr injected: call-out stderr and the timeout knob come from the Mdevctl options, not the process", async () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const dir = h.path('usr/lib/mdevctl/scripts.d/callouts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'talk.sh'), '#!/bin/sh\necho "said on stderr" >&2\nexit 0\n', { mode: 0o755 });
    const said: string[] = [];
    const open = (env: Record<string, string>) =>
      new Mdevctl({ root: h.root, backend: fakeBackend(h.root), config: false, env, writeStderr: (t) => void said.push(t), log: new StderrLogger('error', () => undefined) });
    await open({}).define({ uuid: U, parent: 'mtty', type: 'mtty-1', auto: false });
    assert.ok(said.join('').includes('talk.sh: said on stderr'), said.join(''));
    await assert.rejects(open({ MDEVCTL_CALLOUT_TIMEOUT_MS: 'soon' }).undefine(U, 'mtty'), /MDEVCTL_CALLOUT_TIMEOUT_MS/);
  } finally {
    h.cleanup();
  }
});
