// Black-box: the i915-gvtg plugin in the real mdevctl on the simulated GPU 0000:00:02.0 — each
// type's resources and the shared pool in `types -x`, what keeps GVT-g off when the GPU shows no
// types (a host booted with i915.enable_gvt=0, kvmgt unloaded), a bad PCI address, and the hints
// on the kernel's refusals. Refusals write nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdevctl, runBin, SIM_BIN, type RunResult } from '../helpers/cli.js';
import { fails, ok, run, unchanged, withHost, WARN } from '../helpers/expect.js';
import { creates, raceBeforeStart, unplugs } from '../helpers/sim-race.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const GPU = '0000:00:02.0';
const V4 = 'i915-GVTg_V5_4';
const SHARED = (others: string) => `Shares graphics memory and fences with ${others}: a vGPU of any of them lowers the available instances of all`;

function refused(r: RunResult, ...lines: string[]): void {
  assert.deepEqual(r, { status: 1, stdout: '', stderr: lines.map((l) => `Error: ${l}\n`).join('') });
}

test('types -x: each GVT-g type with its graphics memory, fences, resolution, weight and the shared pool', () =>
  withHost((h) => {
    const text = mdevctl(h.root, 'types', '-x', '-p', GPU);
    assert.equal(text.status, 0, text.stderr);
    const block = [
      `  ${V4}`,
      '    Available instances: 4',
      '    Device API: vfio-pci',
      '    Description: low_gm_size: 128MB, high_gm_size: 512MB, fence: 4, resolution: 1920x1200, weight: 4',
      '    Claimed by: i915-gvtg',
      '    Graphics memory: 128 MB low (aperture), 512 MB high',
      '    Fence registers: 4',
      '    Resolution: 1920x1200',
      '    Weight: 4',
      `    ${SHARED('i915-GVTg_V5_1, i915-GVTg_V5_2, i915-GVTg_V5_8')}`,
      '  i915-GVTg_V5_8',
    ].join('\n');
    assert.ok(text.stdout.includes(`\n${block}\n`), text.stdout);
    const json = JSON.parse(mdevctl(h.root, 'types', '-x', '-p', GPU, '--dumpjson').stdout) as Array<Record<string, Array<Record<string, Record<string, unknown>>>>>;
    const v58 = json[0]?.[GPU]?.find((t) => 'i915-GVTg_V5_8' in t)?.['i915-GVTg_V5_8'];
    assert.deepEqual(v58?.['gvt_g'], {
      low_gm_size_mb: 64,
      high_gm_size_mb: 384,
      fence: 4,
      resolution: '1024x768',
      weight: 2,
      shares_pool_with: ['i915-GVTg_V5_1', 'i915-GVTg_V5_2', 'i915-GVTg_V5_4'],
    });
  }));

test('creating one type lowers the available instances of all, as types -x says', () =>
  withHost((h) => {
    const avail = () => ['i915-GVTg_V5_1', 'i915-GVTg_V5_2', 'i915-GVTg_V5_4', 'i915-GVTg_V5_8'].map((t) => h.available(GPU, t));
    assert.deepEqual(avail(), [1, 2, 4, 8]);
    run(h, 'start', '-u', U1, '-p', GPU, '-t', V4);
    assert.deepEqual(avail(), [0, 1, 3, 6]);
  }));

test('a host booted with i915.enable_gvt=0: no types; define warns, start and validate say how to turn GVT-g on', () =>
  withHost(
    (h) => {
      const off = 'GVT-g is off on 0000:00:02.0: boot with the kernel parameter i915.enable_gvt=1';
      assert.equal(mdevctl(h.root, 'types', '-p', GPU).stdout, '');
      const d = mdevctl(h.root, 'define', '-u', U1, '-p', GPU, '-t', V4, '--auto');
      assert.deepEqual({ status: d.status, stdout: d.stdout, stderr: d.stderr.replace(WARN, '') }, { status: 0, stdout: '', stderr: `${off}\n` });
      unchanged(h, () => refused(mdevctl(h.root, 'start', '-u', U1), `Unable to find parent device '${GPU}'`, off));
      unchanged(h, () =>
        assert.deepEqual(mdevctl(h.root, 'validate'), {
          status: 1,
          stdout: `${GPU}/${U1}: error: Unable to find parent device '${GPU}'\n${GPU}/${U1}: error: ${off}\n`,
          stderr: '',
        }),
      );
      // start-parent-mdevs logs it, goes on, and fails naming it
      const s = mdevctl(h.root, 'start-parent-mdevs', GPU);
      assert.equal(s.status, 1);
      assert.match(s.stderr, /\nError: 1 auto device of \S+ did not start: \S+\n$/);
      assert.ok(s.stderr.split('\n').map((l) => l.replace(WARN, '')).some((l) => l.startsWith('Skipping ') && l.endsWith(`; ${off}`)), s.stderr);
      // plugging the GPU cannot work either: enable_gvt is fixed at boot
      assert.deepEqual(runBin(h.root, ['plug', h.root, GPU], { bin: SIM_BIN }), {
        status: 1,
        stdout: '',
        stderr: `mdevctl-sim: GVT-g is off on this host (i915.enable_gvt=N): ${GPU} cannot register\n`,
      });
    },
    { gvt: false },
  ));

test('kvmgt unloaded: start says to load it; after modprobe (sim plug) the start works', () =>
  withHost((h) => {
    assert.equal(runBin(h.root, ['unplug', h.root, GPU], { bin: SIM_BIN }).status, 0);
    assert.equal(h.exists('sys/module/kvmgt'), false);
    unchanged(h, () =>
      refused(
        mdevctl(h.root, 'start', '-u', U1, '-p', GPU, '-t', V4),
        `Unable to find parent device '${GPU}'`,
        `GVT-g is on but kvmgt is not loaded (it registers ${GPU}'s vGPU types): modprobe kvmgt`,
      ),
    );
    assert.equal(runBin(h.root, ['plug', h.root, GPU], { bin: SIM_BIN }).status, 0);
    run(h, 'start', '-u', U1, '-p', GPU, '-t', V4);
  }));

test('a GVT-g type on a parent that is no PCI address is refused, even at define', () =>
  withHost((h) => {
    const bad = "Invalid GVT-g parent '0000:00:2.0': an i915 GPU is named by its PCI address domain:bus:device.function, like 0000:00:02.0";
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-p', '0000:00:2.0', '-t', V4), 1, `Error: ${bad}\n`));
    // a well-formed address of a GPU not (yet) present is fine to define
    run(h, 'define', '-u', U1, '-p', '0000:00:03.0', '-t', V4);
  }));

test('hints: ENOSPC when another program used up the GPU between the checks and the create', () =>
  withHost((h) => {
    raceBeforeStart(h, creates(GPU, 'i915-GVTg_V5_1', U2));
    const file = h.path(`sys/class/mdev_bus/${GPU}/mdev_supported_types/${V4}/create`);
    refused(
      mdevctl(h.root, 'start', '-u', U1, '-p', GPU, '-t', V4),
      `Failed to create mdev ${U1}, type ${V4} on ${GPU}: No space left on device (os error 28); ${file}: ${GPU} has too little graphics memory or too few fence registers left for ${V4} (1 vGPU running); all GVT-g types of a GPU share them: stop a vGPU or use a smaller type (the _8 types take least)`,
    );
    ok(mdevctl(h.root, 'list'), `${U2} ${GPU} i915-GVTg_V5_1 manual\n`);
  }));

test('hints: kvmgt unloaded between the checks and the create', () =>
  withHost((h) => {
    raceBeforeStart(h, unplugs(GPU));
    const file = h.path(`sys/class/mdev_bus/${GPU}/mdev_supported_types/${V4}/create`);
    refused(
      mdevctl(h.root, 'start', '-u', U1, '-p', GPU, '-t', V4),
      `Failed to create mdev ${U1}, type ${V4} on ${GPU}: No such file or directory (os error 2); ${file}: ${GPU} is no longer a GVT-g parent (kvmgt unloaded or the GPU unbound from i915)`,
    );
  }));
