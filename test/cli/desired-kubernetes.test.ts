// examples/kubernetes checked against what mdevctl really does: the DaemonSet mounts the host
// dirs mdevctl uses (the definitions, the record of managed devices, the run dir with the lock
// and the crash-recovery record — observed during a real apply, not taken from a list), installs
// from the offline tarball (mdevctl is not on the npm registry), and the ConfigMap's configs are
// one profile: vdi -> compute -> none -> vdi on a simulated four-card node, each one
// `apply --prune`, each second run no change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { FLEET_GPUS } from '@mdevctl/plugin-sim';
import { REPO } from '../helpers/cli.js';
import { withHost } from '../helpers/expect.js';
import { desiredFile, perParent, planOf, running } from '../helpers/desired.js';

type Yaml = { loadAll(text: string): unknown[]; load(text: string): unknown };
const yaml = createRequire(join(REPO, 'core/package.json'))('js-yaml') as Yaml;

interface Mount { name: string; mountPath: string }
interface Volume { name: string; hostPath?: { path: string } }

function daemonSet(): { mounts: Mount[]; volumes: Volume[]; text: string } {
  const text = readFileSync(join(REPO, 'examples/kubernetes/daemonset.yaml'), 'utf8');
  const ds = yaml.loadAll(text).find((d) => (d as { kind?: string }).kind === 'DaemonSet') as {
    spec: { template: { spec: { containers: Array<{ volumeMounts: Mount[] }>; volumes: Volume[] } } };
  };
  const pod = ds.spec.template.spec;
  return { mounts: pod.containers[0]?.volumeMounts ?? [], volumes: pod.volumes, text };
}

/** The host paths the pod sees at the same place (hostPath mounted at its own path). */
function sharedHostDirs(): string[] {
  const { mounts, volumes } = daemonSet();
  return mounts.flatMap((m) => {
    const v = volumes.find((x) => x.name === m.name);
    return v?.hostPath?.path === m.mountPath ? [m.mountPath] : [];
  });
}

test('examples/kubernetes: the pod mounts the dirs mdevctl uses (observed during an apply) and installs the offline tarball', () => {
  withHost((h) => {
    // A call-out that lists what mdevctl holds while a step runs: the lock and the intent record.
    const dir = h.path('usr/lib/mdevctl/scripts.d/callouts');
    mkdirSync(dir, { recursive: true });
    const seen = h.path('seen.txt');
    writeFileSync(join(dir, 'see'), `#!/bin/sh\nfind '${h.root}/run' '${h.root}/var' -type f >> '${seen}'\nexit 0\n`);
    chmodSync(join(dir, 'see'), 0o755);
    const file = desiredFile(h, 'name: k\ndevices:\n  - {name: a, parent: mdpy, type: mdpy-vga}\n');
    planOf(h, ['apply', file]);
    const used = new Set(readFileSync(seen, 'utf8').split('\n').filter((l) => l !== '').map((l) => `/${relative(h.root, l)}`));
    used.add(`/etc/mdevctl.d/mdpy/${running(h)[0]?.split(' ')[0]}`);
    const files = [...used];
    assert.ok(files.some((f) => f.startsWith('/run/mdevctl/')), `the lock is in run/mdevctl: ${files.join(' ')}`);
    assert.ok(files.some((f) => f.startsWith('/var/lib/mdevctl/desired/')), `the record: ${files.join(' ')}`);
    const shared = sharedHostDirs();
    for (const f of files) assert.ok(shared.some((d) => f.startsWith(`${d}/`)), `${f} is on a host dir the pod mounts (${shared.join(', ')})`);
    assert.ok(!shared.includes('/run/lock'), 'not the world-writable /run/lock');
    const { text } = daemonSet();
    assert.doesNotMatch(text, /npm (i|install) -g mdevctl\b(?!-)/, 'mdevctl is not on the npm registry');
    assert.match(text, /npm install -g \S*mdevctl-[\d.]+\.tgz/);
  });
});

test('examples/kubernetes: the ConfigMap\'s configs are one profile: vdi -> compute -> none -> vdi, one step each', () => {
  withHost((h) => {
    const cm = yaml.load(readFileSync(join(REPO, 'examples/kubernetes/configmap.yaml'), 'utf8')) as { data: Record<string, string> };
    // The simulated cards' names for the T4 types (a quarter and the whole of a card).
    const sim = (text: string) => text.replace('GRID T4-2Q', 'SIM-2Q').replace('GRID T4-16C', 'SIM-4Q');
    const files = Object.fromEntries(['vdi', 'compute', 'none'].map((n) => [n, desiredFile(h, sim(cm.data[`${n}.yaml`] as string), `${n}.yaml`)]));
    const apply = (name: string) => {
      assert.equal(planOf(h, ['apply', '--prune', '--json', files[name] as string]).changed, true, name);
      assert.deepEqual(planOf(h, ['apply', '--prune', '--json', files[name] as string]), { changed: false, actions: [] });
    };
    apply('vdi');
    assert.deepEqual(perParent(h), Object.fromEntries(FLEET_GPUS.map((g) => [g, 4])));
    apply('compute');
    assert.deepEqual(perParent(h), { [FLEET_GPUS[0] as string]: 2 });
    apply('none');
    assert.deepEqual(running(h), []);
    apply('vdi');
    assert.equal(running(h).length, 16);
  }, { parents: [...FLEET_GPUS] });
});
