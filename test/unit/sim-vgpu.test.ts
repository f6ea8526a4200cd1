// The simulated NVIDIA driver on the vendor-specific VFIO framework (NVIDIA-VFIO facts): the PF/VF
// tree, catalogues that shrink as siblings are used (time-sliced: one type per GPU;
// heterogeneous: mixed while the framebuffer lasts), refused writes, VFs held open by a VM and a
// driver busy after it exits, sriov-manage (nvidia/ appears late; idempotent; a raw
// sriov_numvfs write refused), the nvidia-smi mode switch, and a reboot that drops it all.

import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { main, NVIDIA_SMI, rebootSimulatedHost, SimulatedKernel, SRIOV_MANAGE, sysfsWrite } from '@mdevctl/plugin-sim';
import { GPU_HET, GPU_TS, until, vf, vgpuHost } from '../helpers/sim-vgpu.js';
import { SIM_BIN, tempDir } from '../helpers/cli.js';

const U1 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const ALL_TYPES = [901, 902, 903, 904, 906, 908, 912, 916, 924, 948];
const errno = (code: string, n: number) => ({ code, errno: n, syscall: 'write' });

test('each GPU is an SR-IOV PF with 16 VFs bound to nvidia, each VF with its nvidia/ files', () => {
  const h = vgpuHost();
  try {
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_totalvfs'), 'utf8'), '16\n');
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_numvfs'), 'utf8'), '16\n');
    assert.equal(existsSync(h.pci(GPU_TS, 'nvidia')), false);
    for (let n = 0; n < 16; n++) {
      const a = vf(GPU_TS, n);
      assert.equal(readlinkSync(h.pci(GPU_TS, `virtfn${n}`)), `../${a}`);
      assert.equal(readlinkSync(h.pci(a, 'physfn')), `../${GPU_TS}`);
      assert.match(readlinkSync(h.pci(a, 'driver')), /bus\/pci\/drivers\/nvidia$/);
      assert.equal(readdirSync(h.pci(a, 'vfio-dev')).length, 1);
      assert.equal(h.nvidia(a, 'current_vgpu_type'), '0\n');
      assert.equal(lstatSync(h.pci(a, 'nvidia/current_vgpu_type')).mode & 0o777, 0o644);
      assert.equal(lstatSync(h.pci(a, 'nvidia/creatable_vgpu_types')).mode & 0o777, 0o444);
    }
    assert.deepEqual([vf(GPU_TS, 0), vf(GPU_TS, 4), vf(GPU_TS, 15)], ['0000:c1:00.4', '0000:c1:01.0', '0000:c1:02.3']);
    const cat = h.nvidia(vf(GPU_HET, 3), 'creatable_vgpu_types').split('\n');
    assert.equal(cat[0], 'ID : Name');
    assert.equal(cat[1], '901 : NVIDIA SIM48-1Q');
    assert.equal(cat[10], '948 : NVIDIA SIM48-48Q');
    // The mdev parents are still there beside them.
    assert.ok(existsSync(join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create')));
  } finally {
    h.cleanup();
  }
});

test('time-sliced GPU: the first vGPU fixes the type; siblings list only it until the card is full', () => {
  const h = vgpuHost();
  try {
    const vfs = Array.from({ length: 16 }, (_, n) => vf(GPU_TS, n));
    assert.deepEqual(h.catalogue(vfs[0] ?? ''), ALL_TYPES);
    h.writeNvidia(vfs[0] ?? '', 'current_vgpu_type', '904');
    assert.equal(h.nvidia(vfs[0] ?? '', 'current_vgpu_type'), '904\n');
    assert.equal(h.nvidia(vfs[0] ?? '', 'placement_id'), '0\n');
    assert.deepEqual(h.catalogue(vfs[0] ?? ''), [], 'a VF with a vGPU lists nothing');
    assert.deepEqual(h.catalogue(vfs[1] ?? ''), [904]);
    // Another type on this GPU is refused while a 4Q runs.
    assert.throws(() => h.writeNvidia(vfs[1] ?? '', 'current_vgpu_type', '902'), errno('EINVAL', -22));
    for (let n = 1; n < 12; n++) h.writeNvidia(vfs[n] ?? '', 'current_vgpu_type', '904\n');
    // 12 × 4 GB = 48 GB: every VF shows only the header now.
    for (const a of vfs) assert.equal(h.nvidia(a, 'creatable_vgpu_types'), 'ID : Name\n');
    assert.throws(() => h.writeNvidia(vfs[12] ?? '', 'current_vgpu_type', '904'), errno('ENOSPC', -28));
    // The other GPU is untouched.
    assert.deepEqual(h.catalogue(vf(GPU_HET, 0)), ALL_TYPES);
    h.writeNvidia(vfs[5] ?? '', 'current_vgpu_type', '0');
    assert.equal(h.nvidia(vfs[5] ?? '', 'placement_id'), '');
    assert.deepEqual(h.catalogue(vfs[13] ?? ''), [904]);
    h.writeNvidia(vfs[13] ?? '', 'current_vgpu_type', '904');
    assert.equal(h.nvidia(vfs[13] ?? '', 'placement_id'), '20\n', 'the freed range is reused');
    for (const a of vfs) h.writeNvidia(a, 'current_vgpu_type', '0');
    assert.deepEqual(h.catalogue(vfs[7] ?? ''), ALL_TYPES);
  } finally {
    h.cleanup();
  }
});

test('time-sliced GPU: small types are capped by the VF count, not the framebuffer', () => {
  const h = vgpuHost();
  try {
    for (let n = 0; n < 16; n++) h.writeNvidia(vf(GPU_TS, n), 'current_vgpu_type', '901');
    assert.equal(readdirSync(h.pci(GPU_TS)).filter((e) => e.startsWith('virtfn')).length, 16);
    for (let n = 0; n < 16; n++) assert.deepEqual(h.catalogue(vf(GPU_TS, n)), []);
  } finally {
    h.cleanup();
  }
});

test('heterogeneous GPU: types mix while aligned framebuffer ranges last', () => {
  const h = vgpuHost();
  try {
    const a = (n: number): string => vf(GPU_HET, n);
    h.writeNvidia(a(0), 'current_vgpu_type', '924');
    h.writeNvidia(a(1), 'current_vgpu_type', '912');
    assert.equal(h.nvidia(a(1), 'placement_id'), '24\n');
    assert.deepEqual(h.catalogue(a(2)), [901, 902, 903, 904, 906, 908, 912]);
    h.writeNvidia(a(2), 'current_vgpu_type', '908');
    assert.equal(h.nvidia(a(2), 'placement_id'), '40\n');
    // 4 GB left at 36..40: the 6Q no longer fits, the 1Q to 4Q do.
    assert.deepEqual(h.catalogue(a(3)), [901, 902, 903, 904]);
    assert.throws(() => h.writeNvidia(a(3), 'current_vgpu_type', '906'), errno('ENOSPC', -28));
    // A placement asked for before the type: taken when it is free and aligned.
    h.writeNvidia(a(3), 'placement_id', '38');
    h.writeNvidia(a(3), 'current_vgpu_type', '902');
    assert.equal(h.nvidia(a(3), 'placement_id'), '38\n');
    h.writeNvidia(a(4), 'placement_id', '37');
    assert.throws(() => h.writeNvidia(a(4), 'current_vgpu_type', '902'), errno('EINVAL', -22));
    h.writeNvidia(a(4), 'placement_id', '36');
    h.writeNvidia(a(4), 'current_vgpu_type', '902');
    for (let n = 5; n < 16; n++) assert.equal(h.nvidia(a(n), 'creatable_vgpu_types'), 'ID : Name\n');
  } finally {
    h.cleanup();
  }
});

test('refused writes: errnos of the simulated driver (guesses, see vgpu.ts) and of the PCI core', () => {
  const h = vgpuHost();
  try {
    const a = vf(GPU_TS, 0);
    assert.throws(() => h.writeNvidia(a, 'current_vgpu_type', 'nvidia-904'), errno('EINVAL', -22));
    assert.throws(() => h.writeNvidia(a, 'current_vgpu_type', '777'), errno('EINVAL', -22), 'unknown to the card');
    h.writeNvidia(a, 'current_vgpu_type', '0'); // nothing to destroy: fine
    h.writeNvidia(a, 'current_vgpu_type', '908');
    assert.throws(() => h.writeNvidia(a, 'current_vgpu_type', '908'), errno('EBUSY', -16), 'already has a vGPU');
    assert.throws(() => h.writeNvidia(a, 'placement_id', '8'), errno('EBUSY', -16));
    assert.throws(() => h.writeNvidia(vf(GPU_TS, 1), 'placement_id', '8'), errno('EINVAL', -22), 'time-sliced');
    assert.throws(() => h.writeNvidia(a, 'gpu_instance_id', '1'), errno('EINVAL', -22), 'no MIG in the sim');
    h.writeNvidia(a, 'vgpu_params', 'frame_rate_limiter=0,disable_vnc=1');
    assert.equal(h.nvidia(a, 'vgpu_params'), 'frame_rate_limiter=0,disable_vnc=1\n');
    assert.throws(() => h.writeNvidia(a, 'vgpu_params', 'no equals sign'), errno('EINVAL', -22));
    h.writeNvidia(a, 'vgpu_params', '\n');
    assert.equal(h.nvidia(a, 'vgpu_params'), '');
    assert.throws(() => h.kernel.write(h.pci(a, 'nvidia/creatable_vgpu_types'), '904'), { code: 'EACCES', syscall: 'open' });
    // sriov_numvfs: the PCI core's checks, then no sriov_configure in nvidia.ko (ENOENT).
    const numvfs = h.pci(GPU_TS, 'sriov_numvfs');
    h.kernel.write(numvfs, '16');
    assert.throws(() => h.kernel.write(numvfs, '0'), errno('ENOENT', -2));
    assert.throws(() => h.kernel.write(numvfs, '17'), errno('ERANGE', -34));
    assert.throws(() => h.kernel.write(numvfs, 'x'), errno('EINVAL', -22));
    assert.equal(readFileSync(numvfs, 'utf8'), '16\n');
  } finally {
    h.cleanup();
  }
});

test('a VF held open by a VM refuses destruction; after the VM exits the driver is busy a bounded time', async () => {
  const h = vgpuHost({ vgpu: { exitBusyMs: 1500 } });
  try {
    const a = vf(GPU_HET, 2);
    assert.throws(() => h.kernel.holdVf(a), /no vGPU/);
    h.writeNvidia(a, 'current_vgpu_type', '904');
    const pid = h.kernel.holdVf(a);
    // What a peer's in-use check reads: a process's fd on the VF's /dev/vfio files.
    const fds = readdirSync(join(h.root, 'proc', String(pid), 'fd')).map((fd) => readlinkSync(join(h.root, 'proc', String(pid), 'fd', fd)));
    const group = readlinkSync(h.pci(a, 'iommu_group')).split('/').pop();
    assert.deepEqual(fds.sort(), [`/dev/vfio/${group}`, `/dev/vfio/devices/${readdirSync(h.pci(a, 'vfio-dev'))[0]}`].sort());
    assert.throws(() => h.writeNvidia(a, 'current_vgpu_type', '0'), errno('EBUSY', -16));
    h.writeNvidia(a, 'vgpu_params', 'frame_rate_limiter=0'); // applies at the next VM start
    assert.equal(h.kernel.releaseVf(a), 1);
    assert.equal(existsSync(join(h.root, 'proc', String(pid))), false);
    const released = Date.now();
    let refusals = 0;
    await until('the driver lets the vGPU go', () => {
      try {
        h.writeNvidia(a, 'current_vgpu_type', '0');
        return true;
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'EBUSY');
        refusals++;
        return false;
      }
    });
    assert.ok(refusals > 0, 'busy right after the VM exits');
    assert.ok(Date.now() - released >= 1500);
    assert.equal(h.nvidia(a, 'current_vgpu_type'), '0\n');
  } finally {
    h.cleanup();
  }
});

test('sriov-manage -e enables a GPU, its nvidia/ appears late; idempotent; ALL; -d', async () => {
  const h = vgpuHost({ vgpu: { vfs: false, nvidiaDelayMs: 1500 } });
  try {
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_numvfs'), 'utf8'), '0\n');
    assert.equal(existsSync(h.pci(vf(GPU_TS, 0))), false);
    const before = h.kernel.uevents().length;
    assert.equal(h.tool(SRIOV_MANAGE, ['-e', GPU_TS]), `Enabling VFs on ${GPU_TS}\n`);
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_numvfs'), 'utf8'), '16\n');
    assert.ok(existsSync(h.pci(vf(GPU_TS, 15), 'physfn')));
    assert.equal(existsSync(h.pci(vf(GPU_TS, 0), 'nvidia')), false, 'nvidia/ comes a little after the VF');
    const events = h.kernel.uevents().slice(before);
    assert.deepEqual(
      events.filter((e) => e.subsystem === 'pci').slice(0, 2).map((e) => e.action),
      ['add', 'bind'],
    );
    assert.equal(events.filter((e) => e.action === 'bind').length, 16);
    // Idempotent: no change, exit 0.
    assert.equal(h.tool(SRIOV_MANAGE, ['-e', `0000${GPU_TS.toUpperCase()}`]), `VFs already enabled on ${GPU_TS}\n`);
    assert.equal(h.kernel.uevents().length, before + events.length);
    await until('nvidia/ of every VF', () => Array.from({ length: 16 }, (_, n) => vf(GPU_TS, n)).every((a) => h.nvidia(a, 'creatable_vgpu_types') !== ''));
    assert.deepEqual(h.catalogue(vf(GPU_TS, 9)), ALL_TYPES);
    h.tool(SRIOV_MANAGE, ['-e', 'ALL']);
    h.kernel.settle();
    assert.deepEqual(h.catalogue(vf(GPU_HET, 0)), ALL_TYPES);
    // Enabling wiped the heterogeneous mode: the second GPU is time-sliced now.
    h.writeNvidia(vf(GPU_HET, 0), 'current_vgpu_type', '908');
    assert.deepEqual(h.catalogue(vf(GPU_HET, 1)), [908]);
    assert.throws(() => h.tool(SRIOV_MANAGE, ['-d', GPU_HET]), /have a vGPU/);
    h.writeNvidia(vf(GPU_HET, 0), 'current_vgpu_type', '0');
    h.tool(SRIOV_MANAGE, ['-d', GPU_HET]);
    assert.equal(readFileSync(h.pci(GPU_HET, 'sriov_numvfs'), 'utf8'), '0\n');
    assert.equal(existsSync(h.pci(GPU_HET, 'virtfn0')), false);
    assert.throws(() => h.tool(SRIOV_MANAGE, ['-e', '0000:99:00.0']), /unknown GPU/);
  } finally {
    h.cleanup();
  }
});

test('a late nvidia/ of an enabling that is gone (reboot) never appears', () => {
  const h = vgpuHost({ vgpu: { vfs: false, nvidiaDelayMs: 60_000 } });
  try {
    h.kernel.sriovManage(true, GPU_TS);
    const [first] = h.kernel.pendingNvidia();
    assert.equal(first?.gpu, GPU_TS);
    rebootSimulatedHost(h.root);
    const k = SimulatedKernel.open(h.root);
    k.sriovManage(true, GPU_TS);
    assert.equal(k.settle(GPU_TS, first?.generation), 0, 'the enabling before the reboot is stale');
    assert.equal(k.settle(GPU_TS, k.pendingNvidia()[0]?.generation), 16);
  } finally {
    h.cleanup();
  }
});

test('nvidia-smi vgpu -shm switches heterogeneous mode, refused while the GPU has a vGPU', () => {
  const h = vgpuHost();
  try {
    assert.match(h.tool(NVIDIA_SMI, ['vgpu', '-q', '-i', '1']), /C2:00\.0\n.*Heterogeneous Mode\s+: Enabled/);
    assert.match(h.tool(NVIDIA_SMI, ['vgpu', '-q', '-i', GPU_TS]), /Heterogeneous Mode\s+: Disabled/);
    h.tool(NVIDIA_SMI, ['vgpu', '-shm', '1', '-i', GPU_TS]);
    h.writeNvidia(vf(GPU_TS, 0), 'current_vgpu_type', '924');
    h.writeNvidia(vf(GPU_TS, 1), 'current_vgpu_type', '912');
    assert.throws(() => h.tool(NVIDIA_SMI, ['vgpu', '-shm', '0', '-i', GPU_TS]), /while 2 vGPU/);
    assert.throws(() => h.tool(NVIDIA_SMI, ['vgpu', '-x']));
  } finally {
    h.cleanup();
  }
});

test('reboot drops VFs, vGPUs, running mdevs, /run and the simulated VMs; parents come back as at boot', () => {
  const h = vgpuHost();
  try {
    h.kernel.write(join(h.root, 'sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create'), U1);
    h.writeNvidia(vf(GPU_TS, 0), 'current_vgpu_type', '904');
    h.kernel.holdVf(vf(GPU_TS, 0));
    h.kernel.unplugParent('mtty');
    assert.equal(main(['reboot', h.root], { stdout: () => undefined, stderr: () => undefined }), 0);
    assert.deepEqual(readdirSync(join(h.root, 'sys/bus/mdev/devices')), []);
    assert.ok(existsSync(join(h.root, 'sys/class/mdev_bus/mtty')), 'mtty loaded again at boot');
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_numvfs'), 'utf8'), '0\n');
    assert.equal(existsSync(h.pci(vf(GPU_TS, 0))), false);
    assert.deepEqual(readdirSync(join(h.root, 'run')).sort(), ['lock', 'mdevctl']);
    assert.equal(existsSync(join(h.root, 'proc')), false);
    h.kernel.sriovManage(true, 'ALL');
    h.kernel.settle();
    assert.equal(h.nvidia(vf(GPU_TS, 0), 'current_vgpu_type'), '0\n');
    h.writeNvidia(vf(GPU_HET, 0), 'current_vgpu_type', '908');
    assert.deepEqual(h.catalogue(vf(GPU_HET, 1)), [908], 'heterogeneous mode did not survive the reboot');
  } finally {
    h.cleanup();
  }
});

test('mdevctl-sim help lists the vendor-VFIO commands', () => {
  let out = '';
  assert.equal(main(['--help'], { stdout: (t) => (out += t), stderr: () => undefined }), 0);
  for (const word of ['--vgpu', 'reboot ROOT', 'sriov-manage ROOT', 'nvidia-smi ROOT', 'hold ROOT VF', 'release ROOT VF', 'busy ROOT VF', 'fault ROOT', 'settle ROOT', GPU_TS, GPU_HET]) {
    assert.ok(out.includes(word), word);
  }
});

test('mdevctl-sim hold --comm names the VM; busy makes the driver refuse for a while', async () => {
  const h = vgpuHost();
  const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) };
  let out = '';
  let err = '';
  try {
    const a = vf(GPU_TS, 3);
    h.writeNvidia(a, 'current_vgpu_type', '902');
    assert.equal(main(['hold', h.root, a, '--comm', 'my-vm'], io), 0);
    assert.equal(readFileSync(join(h.root, 'proc', out.trim(), 'comm'), 'utf8'), 'my-vm\n');
    assert.equal(main(['release', h.root, a], io), 0);
    assert.equal(main(['release', h.root, a], io), 1);
    assert.match(err, /no simulated VM holds/);
    h.writeNvidia(vf(GPU_TS, 4), 'current_vgpu_type', '902');
    assert.equal(main(['busy', h.root, vf(GPU_TS, 4), '2000'], io), 0);
    assert.throws(() => h.writeNvidia(vf(GPU_TS, 4), 'current_vgpu_type', '0'), errno('EBUSY', -16));
    await until('the busy window ends', () => {
      try {
        h.writeNvidia(vf(GPU_TS, 4), 'current_vgpu_type', '0');
        return true;
      } catch (e) {
        return (e as { code?: string }).code === 'EBUSY' ? false : assert.fail(String(e));
      }
    });
  } finally {
    h.cleanup();
  }
});

test('mdevctl-sim fault: sriov-manage fails (exit 1) or succeeds enabling nothing; kept across a reboot', () => {
  const h = vgpuHost({ vgpu: { vfs: false } });
  const quiet = { stdout: () => undefined, stderr: () => undefined };
  try {
    assert.equal(main(['fault', h.root, 'sriov-manage', 'fail'], quiet), 0);
    assert.throws(() => h.tool(SRIOV_MANAGE, ['-e', GPU_TS]), (e: { status?: number; stderr?: string }) => e.status === 1 && /unbindLock/.test(String(e.stderr)));
    assert.equal(main(['fault', h.root, 'sriov-manage', 'silent'], quiet), 0);
    assert.equal(main(['reboot', h.root], quiet), 0);
    assert.equal(h.tool(SRIOV_MANAGE, ['-e', GPU_TS]), '');
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_numvfs'), 'utf8'), '0\n', 'a zero exit is no proof');
    assert.equal(main(['fault', h.root, 'sriov-manage', 'off'], quiet), 0);
    h.tool(SRIOV_MANAGE, ['-e', GPU_TS]);
    assert.equal(readFileSync(h.pci(GPU_TS, 'sriov_numvfs'), 'utf8'), '16\n');
    assert.equal(main(['fault', h.root, 'sriov-manage', 'sometimes'], quiet), 2);
  } finally {
    h.cleanup();
  }
});

test("mdevctl's write path on a simulated root (sysfsWrite) is the simulated driver's", () => {
  const h = vgpuHost();
  try {
    const write = sysfsWrite(h.root);
    write(h.pci(vf(GPU_TS, 0), 'nvidia/current_vgpu_type'), '916');
    assert.deepEqual(h.catalogue(vf(GPU_TS, 1)), [916]);
    assert.throws(() => write(h.pci(vf(GPU_TS, 1), 'nvidia/current_vgpu_type'), '948'), errno('EINVAL', -22));
    assert.throws(() => write(h.pci(GPU_TS, 'sriov_numvfs'), '4'), errno('ENOENT', -2));
  } finally {
    h.cleanup();
  }
});

test('the mdevctl-sim program: init --vgpu --vfs-off says what it made; the stand-in tools are executables under ROOT', () => {
  const { dir, cleanup } = tempDir('mdevctl-vgpu-cli-');
  try {
    const r = spawnSync(process.execPath, [SIM_BIN, 'init', dir, '--parents', 'mtty', '--vgpu', '--vfs-off'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Created a simulated host in ${dir} with parents mtty, ${GPU_TS} (vendor-VFIO GPU), ${GPU_HET} (vendor-VFIO GPU); use it with MDEVCTL_ENV_ROOT=${dir}\n`);
    for (const tool of [SRIOV_MANAGE, NVIDIA_SMI]) assert.equal(lstatSync(join(dir, tool)).mode & 0o777, 0o755, tool);
    assert.equal(readFileSync(join(dir, 'sys/bus/pci/devices', GPU_TS, 'sriov_numvfs'), 'utf8'), '0\n');
    const bad = spawnSync(process.execPath, [SIM_BIN, 'init', dir, '--vgpu', '--nvidia-delay-ms', 'soon', '--force'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^mdevctl-sim: --nvidia-delay-ms needs milliseconds/);
  } finally {
    cleanup();
  }
});
