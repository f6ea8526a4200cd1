// Issue 23 item 3: every deployment shares one lock. `mdevctl doctor` says where the definitions,
// the lock and the crash-recovery record are, and in a container whether the run dir is the
// host's; a changing command in a container that mounts the host's etc/mdevctl.d but not its
// run/mdevctl warns. The container's mounts are real bind mounts made inside `unshare -m` (they
// exist only for that shell); the container itself is what its runtime says (container=podman).

import assert from 'node:assert/strict';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mdevctl, runBin } from '../helpers/cli.js';
import { canMount, inMountNamespace } from '../helpers/reliability.js';
import { simHost } from '../helpers/sim-host.js';

const U = '5a4e3c2b-1d0f-4e8a-9b7c-6d5e4f3a2b01';
const WARN = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN {2}mdevctl\] /;

/** Runs `script` in a private mount namespace, in a container as podman marks one. */
const inContainer = (root: string, script: string) => inMountNamespace(root, script, { U, container: 'podman' });

test('doctor outside a container: one line per check, exit 0; a run dir of another user is an error', () => {
  const h = simHost({ parents: ['mtty'] });
  try {
    const fresh = mdevctl(h.root, 'doctor');
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.equal(fresh.stderr, '');
    assert.deepEqual(fresh.stdout.split('\n').slice(0, -1).map((l) => l.split(':')[0]), ['ok definitions', 'ok run-dir', 'ok container']);
    assert.match(fresh.stdout, /^ok container: not in a container/m);
    assert.equal(mdevctl(h.root, 'define', '-u', U, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    assert.match(mdevctl(h.root, 'doctor').stdout, new RegExp(`^ok run-dir: ${h.path('run/mdevctl')} holds the definitions lock and the crash-recovery record \\(uid \\d+, mode 0700\\)$`, 'm'));
    if (process.geteuid?.() === 0) {
      chownSync(h.path('run/mdevctl'), 65534, 65534);
      const foreign = mdevctl(h.root, 'doctor');
      assert.equal(foreign.status, 1);
      assert.match(foreign.stdout, new RegExp(`^error run-dir: ${h.path('run/mdevctl')} is owned by uid 65534 with mode 0700 \\(needs uid 0, 0700\\); mutating commands refuse it$`, 'm'));
      chownSync(h.path('run/mdevctl'), 0, 0);
    }
    // A container marker under the root, and nothing mounted: its definitions are its own (a warning).
    mkdirSync(h.path('run'), { recursive: true });
    const image = runBin(h.root, ['doctor'], { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } });
    assert.equal(image.status, 0);
    assert.match(image.stdout, /^warning container: in a container \(KUBERNETES_SERVICE_HOST\): neither .* comes from the host/m);
  } finally {
    h.cleanup();
  }
});

test("in a container with the host's etc/mdevctl.d but its own run/mdevctl: doctor fails naming what to mount, a define warns; with run/mdevctl mounted too, all is well", { skip: canMount ? false : 'needs root and unshare -m' }, () => {
  const h = simHost({ parents: ['mtty'] });
  const host = join(h.root, 'the-host');
  mkdirSync(join(host, 'etc/mdevctl.d'), { recursive: true });
  mkdirSync(join(host, 'run/mdevctl'), { recursive: true, mode: 0o700 });
  try {
    // The pod of the old Kubernetes example: definitions from the host, the lock dir its own.
    const half = inContainer(
      h.root,
      `set -e
mount --bind "$R/the-host/etc/mdevctl.d" "$R/etc/mdevctl.d"
set +e
"$NODE" "$BIN" doctor; echo "doctor=$?"
"$NODE" "$BIN" define -u "$U" -p mtty -t mtty-1; echo "define=$?"
`,
    );
    assert.equal(half.status, 0, half.stderr);
    assert.match(half.stdout, /^ok definitions: /m);
    assert.match(
      half.stdout,
      new RegExp(`^error container: in a container \\(container=podman\\): ${h.path('etc/mdevctl.d')} is mounted from the host but ${h.path('run/mdevctl')} is this container's own: .*; mount the host's /run/mdevctl at /run/mdevctl$`, 'm'),
    );
    assert.match(half.stdout, /^doctor=1$/m);
    assert.match(half.stdout, /^define=0$/m);
    const warnings = half.stderr.split('\n').filter((l) => l !== '');
    assert.equal(warnings.length, 1, half.stderr);
    assert.match(warnings[0] ?? '', WARN);
    assert.match(warnings[0] ?? '', /is this container's own: .* \(mdevctl doctor\)$/);

    // The fixed pod: run/mdevctl is the host's too.
    const whole = inContainer(
      h.root,
      `set -e
mount --bind "$R/the-host/etc/mdevctl.d" "$R/etc/mdevctl.d"
mkdir -p "$R/run/mdevctl"
mount --bind "$R/the-host/run/mdevctl" "$R/run/mdevctl"
set +e
"$NODE" "$BIN" doctor; echo "doctor=$?"
"$NODE" "$BIN" modify -u "$U" --auto; echo "modify=$?"
`,
    );
    assert.equal(whole.stderr, '');
    assert.match(whole.stdout, new RegExp(`^ok container: in a container \\(container=podman\\): ${h.path('run/mdevctl')} is mounted from outside`, 'm'));
    assert.match(whole.stdout, /^doctor=0$/m);
    assert.match(whole.stdout, /^modify=0$/m);
  } finally {
    h.cleanup();
  }
});
