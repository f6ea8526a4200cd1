// Black-box: NVIDIA vGPUs on SR-IOV VFs (the nvidia-vgpu backend) through the real CLI on plain
// vendor-VFIO trees: types and list (default, -x, --dumpjson, what libvirt reads), define/start/
// stop/undefine and the files each writes, adopting a foreign vGPU by its derived uuid, refusals
// before anything is written (busy VF, unlisted type, mixed time-sliced types on one physical GPU,
// a VM holding the VF), apply placing onto VFs, and the boot path (start-parent-mdevs --physfn
// after a "reboot", a late nvidia/, the opt-in sriov-manage).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBin, mdevctl } from '../helpers/cli.js';
import { A16_4Q, A16_8Q, vgpuHost, type VgpuHost } from '../helpers/vgpu-tree.js';

const PF = '0000:41:00.0';
const VF4 = '0000:41:00.4';
const VF5 = '0000:41:00.5';
const PF2 = '0000:c1:00.0';
const VF2 = '0000:c1:00.4';
const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
/** uuid5(NAMESPACE_URL, "nvidia-vgpu://0000:41:00.5") (docs/NVIDIA-VGPU.md). */
const DERIVED_VF5 = 'b2fdacbe-75dc-5b19-b10b-3d2f5ac194db';

function withVgpu(fn: (h: VgpuHost) => void): void {
  const h = vgpuHost();
  try {
    fn(h);
  } finally {
    h.cleanup();
  }
}

function ok(r: { status: number; stdout: string; stderr: string }, stdout?: string): void {
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  if (stdout !== undefined) assert.equal(r.stdout, stdout === '' || stdout.endsWith('\n') ? stdout : `${stdout}\n`);
}

test('types: each VF a parent by address, nvidia-<id> types with NVIDIA names, 1/0 instances; a used VF still shows its type, named by its sibling', () =>
  withVgpu((h) => {
    h.vf(VF4, PF, [A16_4Q, A16_8Q]);
    h.vf(VF5, PF, [], 1002);
    h.vf(VF2, PF2, [A16_4Q]);
    const r = mdevctl(h.root, 'types');
    ok(r);
    assert.equal(
      r.stdout,
      [
        VF4, '  nvidia-1001', '    Available instances: 1', '    Device API: vfio-pci', '    Name: NVIDIA A16-4Q',
        '  nvidia-1002', '    Available instances: 1', '    Device API: vfio-pci', '    Name: NVIDIA A16-8Q',
        VF5, '  nvidia-1002', '    Available instances: 0', '    Device API: vfio-pci', '    Name: NVIDIA A16-8Q',
        VF2, '  nvidia-1001', '    Available instances: 1', '    Device API: vfio-pci', '    Name: NVIDIA A16-4Q', '',
      ].join('\n'),
    );
    // -x: the physical GPU, text and JSON
    const x = mdevctl(h.root, 'types', '-x', '-p', VF2);
    ok(x);
    assert.match(x.stdout, /\n {4}Physical GPU: 0000:c1:00\.0 \(homogeneous\)\n {4}Profile: A16-4Q, time-sliced\n$/);
    const json = JSON.parse(mdevctl(h.root, 'types', '-x', '--dumpjson', '-p', VF5).stdout) as Array<Record<string, Array<Record<string, Record<string, unknown>>>>>;
    assert.deepEqual(json[0]?.[VF5]?.[0]?.['nvidia-1002']?.['nvidia_vgpu'], { physical_gpu: PF, type_id: 1002, profile: 'A16-8Q', kind: 'time-sliced', gpu_mode: 'heterogeneous: seen in the catalogues' }, 'a free VF lists another time-sliced type while 1002 runs');
    // A foreign vGPU is listed with the uuid derived from its VF's address.
    ok(mdevctl(h.root, 'list'), `${DERIVED_VF5} ${VF5} nvidia-1002 manual`);
  }));

test('define, start, list (libvirt sees none of it), stop, undefine: the files each touches', () =>
  withVgpu((h) => {
    h.vf(VF4, PF, [A16_4Q, A16_8Q]);
    h.vf(VF5, PF, [A16_4Q, A16_8Q]);
    ok(mdevctl(h.root, 'define', '-u', U1, '-p', VF4, '-t', 'nvidia-1001', '--auto'));
    assert.deepEqual(JSON.parse(readFileSync(join(h.root, 'etc/mdevctl.d', VF4, U1), 'utf8')), { mdev_type: 'nvidia-1001', start: 'auto', attrs: [] });
    assert.equal(h.current(VF4), '0', 'define writes no sysfs file');
    ok(mdevctl(h.root, 'start', '-u', U1));
    assert.equal(h.current(VF4), '1001');
    assert.equal(readFileSync(join(h.root, 'run/mdevctl-vgpu', VF4), 'utf8'), `${U1} 1001\n`);
    ok(mdevctl(h.root, 'list'), `${U1} ${VF4} nvidia-1001 auto (defined)`);
    ok(mdevctl(h.root, 'types', '-p', VF4));
    assert.match(mdevctl(h.root, 'types', '-p', VF4).stdout, /nvidia-1001\n {4}Available instances: 0/);
    // libvirt's two calls: neither shows a device it could not manage
    ok(mdevctl(h.root, 'list', '--dumpjson'), '[]\n');
    ok(mdevctl(h.root, 'list', '--dumpjson', '--defined'), '[]\n');
    const x = JSON.parse(mdevctl(h.root, 'list', '--dumpjson', '-x').stdout) as Array<Record<string, unknown[]>>;
    assert.deepEqual(Object.keys(x[0] ?? {}), [VF4]);
    assert.match(mdevctl(h.root, 'list', '-x').stdout, /Physical GPU: 0000:41:00\.0\n {2}uuid: recorded by mdevctl at start/);
    ok(mdevctl(h.root, 'stop', '-u', U1));
    assert.equal(h.current(VF4), '0');
    assert.equal(existsSync(join(h.root, 'run/mdevctl-vgpu', VF4)), false);
    ok(mdevctl(h.root, 'list'), '');
    ok(mdevctl(h.root, 'undefine', '-u', U1));
    assert.equal(existsSync(join(h.root, 'etc/mdevctl.d', VF4, U1)), false);
  }));

test('define -u of a vGPU another tool started adopts it by its derived uuid', () =>
  withVgpu((h) => {
    h.vf(VF5, PF, [], 1002);
    h.vf(VF4, PF, [A16_8Q]);
    ok(mdevctl(h.root, 'define', '-u', DERIVED_VF5));
    ok(mdevctl(h.root, 'list', '-d'), `${DERIVED_VF5} ${VF5} nvidia-1002 manual (active)`);
    ok(mdevctl(h.root, 'stop', '-u', DERIVED_VF5));
    assert.equal(h.current(VF5), '0');
  }));

test('start is refused before anything is written: a used VF, a type the VF does not list now', () =>
  withVgpu((h) => {
    h.vf(VF4, PF, [], 1001);
    h.vf(VF5, PF, [A16_4Q]);
    const busy = mdevctl(h.root, 'start', '-u', U1, '-p', VF4, '-t', 'nvidia-1001');
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /0000:41:00\.4 already runs a vGPU \(nvidia-1001, uuid [0-9a-f-]{36}\): a VF holds one vGPU; use another VF of 0000:41:00\.0/);
    const unlisted = mdevctl(h.root, 'start', '-u', U1, '-p', VF5, '-t', 'nvidia-1002');
    assert.equal(unlisted.status, 1);
    assert.equal(unlisted.stdout, '');
    assert.match(unlisted.stderr, /0000:41:00\.5 does not list nvidia-1002 among its creatable vGPU types now \(1 vGPU runs on its physical GPU 0000:41:00\.0, which narrows what fits\)/);
    assert.equal(h.current(VF5), '0');
    assert.equal(existsSync(join(h.root, 'run/mdevctl-vgpu')), false);
  }));

test('stop is refused in one line while a VM holds the VF open; afterwards it writes 0', () =>
  withVgpu((h) => {
    h.vf(VF4, PF, [A16_4Q]);
    ok(mdevctl(h.root, 'start', '-u', U1, '-p', VF4, '-t', 'nvidia-1001'));
    mkdirSync(join(h.root, 'proc/4242/fd'), { recursive: true });
    writeFileSync(join(h.root, 'proc/4242/comm'), 'qemu-system-x86\n');
    symlinkSync('/dev/vfio/devices/vfio4', join(h.root, 'proc/4242/fd/31'));
    const r = mdevctl(h.root, 'stop', '-u', U1);
    assert.deepEqual(r, {
      status: 1,
      stdout: '',
      stderr: 'Error: 0000:41:00.4 is in use: process 4242 (qemu-system-x86) holds /dev/vfio/devices/vfio4 open; stop the VM first\n',
    });
    assert.equal(h.current(VF4), '1001');
    // The VM exits: its process and fds are gone.
    rmSync(join(h.root, 'proc'), { recursive: true, force: true });
    ok(mdevctl(h.root, 'stop', '-u', U1));
    assert.equal(h.current(VF4), '0');
  }));

test('one time-sliced type per physical GPU: an apply plan that mixes them is refused naming the GPU; heterogeneousGpus allows it', () =>
  withVgpu((h) => {
    h.vf(VF4, PF, [A16_4Q, A16_8Q]);
    h.vf(VF5, PF, [A16_4Q, A16_8Q]);
    const file = join(h.root, 'desired.yaml');
    writeFileSync(
      file,
      ['name: mix', 'devices:', `  - name: a`, `    parent: "${VF4}"`, '    type: nvidia-1001', `  - name: b`, `    parent: "${VF5}"`, '    type: nvidia-1002', ''].join('\n'),
    );
    const r = mdevctl(h.root, 'apply', file);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /Physical GPU 0000:41:00\.0 would run time-sliced vGPUs of different types: nvidia-1001 \(NVIDIA A16-4Q\) on 0000:41:00\.4; nvidia-1002 \(NVIDIA A16-8Q\) on 0000:41:00\.5/);
    assert.equal(h.current(VF4), '0');
    assert.equal(h.current(VF5), '0');
    writeFileSync(join(h.root, 'etc/mdevctl.d/mdevctl.config.json'), JSON.stringify({ plugins: { 'nvidia-vgpu': { heterogeneousGpus: PF } } }));
    const ok2 = mdevctl(h.root, 'apply', file);
    assert.equal(ok2.status, 0, ok2.stderr);
    assert.equal(h.current(VF4), '1001');
    assert.equal(h.current(VF5), '1002');
  }));

test('apply places a counted request onto free VFs that list its type', () =>
  withVgpu((h) => {
    for (const v of [VF4, VF5]) h.vf(v, PF, [A16_4Q]);
    h.vf(VF2, PF2, [A16_4Q]);
    const file = join(h.root, 'desired.yaml');
    writeFileSync(file, ['name: vdi', 'requests:', '  - type: nvidia-1001', '    count: 3', '    parents: ["0000:*"]', ''].join('\n'));
    const r = mdevctl(h.root, 'apply', file);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([VF4, VF5, VF2].map((v) => h.current(v)), ['1001', '1001', '1001']);
    const more = join(h.root, 'more.yaml');
    writeFileSync(more, ['name: more', 'requests:', '  - type: nvidia-1001', '    count: 1', '    parents: ["0000:*"]', ''].join('\n'));
    const full = mdevctl(h.root, 'apply', more);
    assert.equal(full.status, 1);
    assert.match(full.stderr, /No room for request nvidia-1001 #0/);
  }));

test('placement counts by physical GPU: spread puts the next vGPU on the least used GPU, one-type-per-parent keeps a GPU to one type', () =>
  withVgpu((h) => {
    for (const v of [VF4, VF5]) h.vf(v, PF, [A16_4Q, A16_8Q]);
    for (const v of [VF2, '0000:c1:00.5']) h.vf(v, PF2, [A16_4Q, A16_8Q]);
    const file = join(h.root, 'spread.yaml');
    writeFileSync(file, ['name: spread', 'requests:', '  - type: nvidia-1001', '    count: 2', '    parents: ["0000:*"]', '    placement: spread', ''].join('\n'));
    const r = mdevctl(h.root, 'apply', file);
    assert.equal(r.status, 0, r.stderr);
    // Per VF, spread would have taken 0000:41:00.4 and 0000:41:00.5 (one GPU); per GPU it takes one VF of each.
    assert.deepEqual([VF4, VF5, VF2, '0000:c1:00.5'].map((v) => h.current(v)), ['1001', '0', '1001', '0']);
    // The driver narrows the catalogues of a time-sliced GPU: its free VFs list only the running type.
    h.catalogue(VF5, [A16_4Q]);
    h.catalogue('0000:c1:00.5', [A16_4Q]);
    ok(mdevctl(h.root, 'stop', '-u', mdevctl(h.root, 'list').stdout.split('\n').find((l) => l.includes(VF2))?.split(' ')[0] ?? ''));
    h.catalogue('0000:c1:00.5', [A16_4Q, A16_8Q]);
    h.catalogue(VF2, [A16_4Q, A16_8Q]);
    const other = join(h.root, 'other.yaml');
    writeFileSync(other, ['name: other', 'requests:', '  - type: nvidia-1002', '    count: 2', '    parents: ["0000:*"]', '    placement: one-type-per-parent', ''].join('\n'));
    const o = mdevctl(h.root, 'apply', other);
    assert.equal(o.status, 0, o.stderr);
    // GPU 0000:41:00.0 runs nvidia-1001: both nvidia-1002 go to the other GPU's two VFs.
    assert.deepEqual([VF4, VF5, VF2, '0000:c1:00.5'].map((v) => h.current(v)), ['1001', '0', '1002', '1002']);
  }));

test('boot: after a reboot the VFs come back (sriov-manage), late nvidia/ waited for, and start-parent-mdevs --physfn starts the auto vGPUs of the whole GPU', async () => {
  const h = vgpuHost();
  try {
    h.vf(VF4, PF, [A16_4Q]);
    h.vf(VF5, PF, [A16_4Q]);
    ok(mdevctl(h.root, 'define', '-u', U2, '-p', VF4, '-t', 'nvidia-1001', '--auto'));
    ok(mdevctl(h.root, 'define', '-u', U1, '-p', VF5, '-t', 'nvidia-1001', '--auto'));
    h.reboot([VF4, VF5]);
    ok(mdevctl(h.root, 'list'), '');
    // The PF knows where its VFs go before they exist.
    for (const [f, v] of [['sriov_totalvfs', '16'], ['sriov_offset', '4'], ['sriov_stride', '1'], ['sriov_numvfs', '0']] as const) {
      writeFileSync(h.dev(PF, f), `${v}\n`);
    }
    // Nothing there and no wait: one warning per VF, nothing started, exit 1 naming the devices.
    const early = mdevctl(h.root, 'start-parent-mdevs', '--physfn', PF);
    assert.equal(early.status, 1);
    assert.match(early.stderr, /0000:41:00\.4: not a parent after 0s/);
    assert.match(early.stderr, new RegExp(`Error: 2 auto devices on the virtual functions of 0000:41:00\\.0 did not start: ${U1}, ${U2}\n$`));
    // The VFs appear while it waits (their nvidia/ last): it starts both, in uuid order.
    const run = launchBin(h.root, ['start-parent-mdevs', '--physfn', PF, '--wait', '60']);
    h.vf(VF4, PF, [A16_4Q]);
    h.vf(VF5, PF, [A16_4Q]);
    const r = await run.result;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(h.current(VF4), '1001');
    assert.equal(h.current(VF5), '1001');
    ok(mdevctl(h.root, 'list'), `${U2} ${VF4} nvidia-1001 auto (defined)\n${U1} ${VF5} nvidia-1001 auto (defined)`);
  } finally {
    h.cleanup();
  }
});

test('boot with enableVfs: the unit runs sriov-manage -e PF (bounded), then starts the GPU’s auto vGPUs; a failure is one line', () =>
  withVgpu((h) => {
    h.vf(VF4, PF, [A16_4Q]);
    ok(mdevctl(h.root, 'define', '-u', U1, '-p', VF4, '-t', 'nvidia-1001', '--auto'));
    h.reboot([VF4]);
    writeFileSync(h.dev(PF, 'sriov_numvfs'), '0\n');
    // A stand-in sriov-manage that makes the VF as the driver would.
    const tool = join(h.root, 'sriov-manage');
    const vf = h.dev(VF4);
    writeFileSync(
      tool,
      `#!/bin/sh\n[ "$1" = -e ] && [ "$2" = ${PF} ] || exit 2\nmkdir -p '${vf}/nvidia' && ln -s ../${PF} '${vf}/physfn' && ln -s ../${VF4} '${h.dev(PF)}/virtfn0'\nprintf 'ID    : vGPU Name\\n1001 : NVIDIA A16-4Q\\n' > '${vf}/nvidia/creatable_vgpu_types'\necho 0 > '${vf}/nvidia/current_vgpu_type'\necho 1 > '${h.dev(PF)}/sriov_numvfs'\n`,
      { mode: 0o755 },
    );
    const config = join(h.root, 'etc/mdevctl.d/mdevctl.config.json');
    writeFileSync(config, JSON.stringify({ plugins: { 'nvidia-vgpu': { enableVfs: true, sriovManage: join(h.root, 'missing') } } }));
    assert.deepEqual(mdevctl(h.root, 'start-parent-mdevs', '--physfn', PF, '--wait', '5'), {
      status: 1,
      stdout: '',
      stderr: `Error: nvidia-vgpu: ${join(h.root, 'missing')} -e ${PF} could not run: no such program (set the nvidia-vgpu option sriovManage)\n`,
    });
    writeFileSync(config, JSON.stringify({ plugins: { 'nvidia-vgpu': { enableVfs: true, sriovManage: tool } } }));
    const r = mdevctl(h.root, 'start-parent-mdevs', '--physfn', PF, '--wait', '5');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(h.current(VF4), '1001');
    ok(mdevctl(h.root, 'list'), `${U1} ${VF4} nvidia-1001 auto (defined)`);
  }));

test('install-system-files installs the vGPU udev rule and the per-GPU unit', () =>
  withVgpu((h) => {
    const rule = readFileSync(join(h.root, 'usr/lib/udev/rules.d/61-mdevctl-vgpu.rules'), 'utf8');
    assert.match(rule, /^ACTION=="add", SUBSYSTEM=="pci", TEST=="physfn", TEST=="\/etc\/mdevctl\.d\/\$kernel", TAG\+="systemd", ENV\{SYSTEMD_WANTS\}\+="mdevctl-vgpu@\$attr\{physfn\}\.service"$/m);
    const unit = readFileSync(join(h.root, 'usr/lib/systemd/system/mdevctl-vgpu@.service'), 'utf8');
    assert.match(unit, /^After=nvidia-vgpud\.service nvidia-vgpu-mgr\.service/m);
    assert.match(unit, /^Before=libvirtd\.service virtqemud\.service pve-guests\.service$/m);
    assert.match(unit, new RegExp(`^ExecStart=${process.execPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\S+/bin/mdevctl\\.js start-parent-mdevs --physfn %I --wait 120$`, 'm'));
    assert.match(unit, /^Type=oneshot$/m);
  }));
