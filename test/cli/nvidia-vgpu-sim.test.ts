// Black-box: the nvidia-vgpu backend on the simulated vendor-VFIO host (two 48 GB GPUs with 16 VFs,
// 0000:c1:00.0 time-sliced, 0000:c2:00.0 heterogeneous), beside the mdev parent mtty: both kinds
// in one listing, refusal per physical GPU (the simulated driver narrows the catalogues), a busy
// VF, and the reboot story — VFs, vGPUs and /run gone, the stand-in sriov-manage brings the VFs
// back (their nvidia/ late), and the boot unit's command brings the auto vGPUs back in uuid order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBin, mdevctl, SIM_BIN } from '../helpers/cli.js';
import { GPU_HET, GPU_TS, vf, vgpuHost } from '../helpers/sim-vgpu.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const M1 = '6c7ff2d3-4b9f-4a8d-8d78-1e2d3c4b5a01';

function sim(...args: string[]): string {
  return execFileSync(process.execPath, [SIM_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
}

function withSim(fn: (h: ReturnType<typeof vgpuHost>) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const h = vgpuHost();
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

test(
  'both kinds side by side: types and list show mtty and the VFs; list --dumpjson (libvirt) shows only the mdev',
  withSim((h) => {
    const a = vf(GPU_TS, 0);
    assert.equal(mdevctl(h.root, 'start', '-u', M1, '-p', 'mtty', '-t', 'mtty-1').status, 0);
    const s = mdevctl(h.root, 'start', '-u', U1, '-p', a, '-t', 'nvidia-908');
    assert.equal(s.status, 0, s.stderr);
    assert.equal(h.nvidia(a, 'current_vgpu_type').trim(), '908');
    const types = mdevctl(h.root, 'types');
    assert.equal(types.status, 0, types.stderr);
    assert.match(types.stdout, /^mtty\n {2}mtty-1\n/m);
    assert.match(types.stdout, new RegExp(`^${a}\\n {2}nvidia-908\\n {4}Available instances: 0\\n {4}Device API: vfio-pci\\n {4}Name: NVIDIA SIM48-8Q$`, 'm'));
    const list = mdevctl(h.root, 'list');
    assert.equal(list.stdout, `${U1} ${a} nvidia-908 manual\n${M1} mtty mtty-1 manual\n`);
    const json = JSON.parse(mdevctl(h.root, 'list', '--dumpjson').stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(json[0] ?? {}), ['mtty']);
    assert.equal(mdevctl(h.root, 'stop', '-u', U1).status, 0);
    assert.equal(h.nvidia(a, 'current_vgpu_type').trim(), '0');
  }),
);

test(
  'the physical GPU is the unit: a second time-sliced type is refused on 0000:c1:00.0 naming it, allowed on the heterogeneous 0000:c2:00.0',
  withSim((h) => {
    const [t0, t1] = [vf(GPU_TS, 0), vf(GPU_TS, 1)];
    assert.equal(mdevctl(h.root, 'start', '-u', U1, '-p', t0, '-t', 'nvidia-904').status, 0);
    const mixed = mdevctl(h.root, 'start', '-u', U2, '-p', t1, '-t', 'nvidia-908');
    assert.equal(mixed.status, 1);
    assert.match(mixed.stderr, /Physical GPU 0000:c1:00\.0 would run time-sliced vGPUs of different types: nvidia-904 \(NVIDIA SIM48-4Q\) on 0000:c1:00\.4; nvidia-908 on 0000:c1:00\.5/);
    assert.equal(h.nvidia(t1, 'current_vgpu_type').trim(), '0', 'nothing written');
    // The same type fits beside it.
    assert.equal(mdevctl(h.root, 'start', '-u', U2, '-p', t1, '-t', 'nvidia-904').status, 0);
    const [h0, h1] = [vf(GPU_HET, 0), vf(GPU_HET, 1)];
    assert.equal(mdevctl(h.root, 'start', '-u', U3, '-p', h0, '-t', 'nvidia-904').status, 0);
    const het = mdevctl(h.root, 'start', '-p', h1, '-t', 'nvidia-908');
    assert.equal(het.status, 0, het.stderr);
    assert.match(mdevctl(h.root, 'types', '-x', '-p', h1).stdout, /Physical GPU: 0000:c2:00\.0 \(heterogeneous: seen in the catalogues\)/);
  }),
);

test(
  'stop while the simulated VM holds the VF is refused in one line; after it exits, stop waits out the busy driver',
  withSim((h) => {
    const a = vf(GPU_TS, 2);
    assert.equal(mdevctl(h.root, 'start', '-u', U1, '-p', a, '-t', 'nvidia-912').status, 0);
    const pid = sim('hold', h.root, a).trim();
    const r = mdevctl(h.root, 'stop', '-u', U1);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^Error: ${a.replaceAll('.', '\\.')} is in use: process ${pid} \\(qemu-system-x86\\) holds /dev/vfio/\\S+ open; stop the VM first\\n$`));
    sim('release', h.root, a);
    const after = mdevctl(h.root, 'stop', '-u', U1);
    assert.equal(after.status, 0, after.stderr);
    assert.equal(h.nvidia(a, 'current_vgpu_type').trim(), '0');
  }),
);

test(
  'reboot: VFs and vGPUs are gone; sriov-manage brings the VFs back (nvidia/ late) and start-parent-mdevs --physfn starts the auto vGPUs of the GPU',
  withSim(async (h) => {
    const [a, b] = [vf(GPU_TS, 3), vf(GPU_TS, 7)];
    assert.equal(mdevctl(h.root, 'define', '-u', U2, '-p', a, '-t', 'nvidia-906', '--auto').status, 0);
    assert.equal(mdevctl(h.root, 'define', '-u', U1, '-p', b, '-t', 'nvidia-906', '--auto').status, 0);
    assert.equal(mdevctl(h.root, 'define', '-u', M1, '-p', 'mtty', '-t', 'mtty-2', '--auto').status, 0);
    assert.equal(mdevctl(h.root, 'start', '-u', U1).status, 0);
    sim('reboot', h.root);
    assert.equal(mdevctl(h.root, 'list').stdout, '');
    assert.equal(mdevctl(h.root, 'types', '-p', a).stdout, '');
    // The boot order: the driver's daemons, then sriov-manage -e (nvidia/ appears later), then the unit.
    // A notifier records the order the devices start in.
    const log = join(h.root, 'started.log');
    writeFileSync(join(h.root, 'usr/lib/mdevctl/scripts.d/notifiers/order'), `#!/bin/sh\ncat >/dev/null\necho "$*" >> '${log}'\n`, { mode: 0o755 });
    sim('sriov-manage', h.root, '-e', GPU_TS);
    const unit = launchBin(h.root, ['start-parent-mdevs', '--physfn', GPU_TS, '--wait', '60']);
    const r = await unit.result;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(h.nvidia(a, 'current_vgpu_type').trim(), '906');
    assert.equal(h.nvidia(b, 'current_vgpu_type').trim(), '906');
    // In uuid order, one process for the GPU; mtty's auto device is the mdev rule's business, not the GPU's unit.
    const starts = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('-a start') && l.includes('-s success'));
    assert.deepEqual(starts.map((l) => /-u (\S+)/.exec(l)?.[1]), [U1, U2]);
    assert.equal(mdevctl(h.root, 'list').stdout, `${U2} ${a} nvidia-906 auto (defined)\n${U1} ${b} nvidia-906 auto (defined)\n`);
  }),
);
