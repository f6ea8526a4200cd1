// Black-box: `mdevctl import-legacy` on a host as the 0.x shell mdevctl left it — key=value
// definitions in etc/mdevctl.d (0.2 and later, default start from etc/mdevctl.conf) and 0.1's
// type files in etc/mdev.d. A dry run by default; --apply defines through the pipeline; never
// overwrites; then the 0.x and 1.x commands see the devices.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SDK_VERSION, type MdevctlHooks, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { mdevctl } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { inProcess } from '../helpers/packaging.js';

const I915 = '0000:00:02.0';
const U1 = 'ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
const U5 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f05';
const BACKUP = 'etc/mdevctl-0.x-backup';

function put(h: SimHost, rel: string, content: string): void {
  mkdirSync(dirname(h.path(rel)), { recursive: true });
  writeFileSync(h.path(rel), content);
}

/** A host as 0.x left it: its definitions, and none of 1.x's dirs (usr/lib/mdevctl). */
function zeroXHost(): SimHost {
  const h = simHost({ parents: ['mtty', 'mdpy', I915] });
  rmSync(h.path('usr'), { recursive: true, force: true });
  rmSync(h.path('etc/mdevctl.d/scripts.d'), { recursive: true, force: true });
  put(h, `etc/mdevctl.d/${I915}/${U1}`, 'mdev_type=i915-GVTg_V5_8\nstart=auto\n');
  put(h, `etc/mdevctl.d/mtty/${U2}`, 'mdev_type=mtty-2\nstart=manual\n');
  put(h, `etc/mdevctl.d/mtty/${U3}`, 'mdev_type=mtty-1\n'); // start: the system default
  put(h, 'etc/mdevctl.conf', '# Start mode for new devices, auto (default) or manual.\nstart=manual\n');
  put(h, `etc/mdev.d/mdpy/${U4}`, 'mdpy-vga\n'); // 0.1: just the type, always started
  return h;
}

function withHost(make: () => SimHost, fn: (h: SimHost) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const h = make();
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

/** Every file under etc/ and usr/ with its content (symlinks and dirs by name). */
function snapshot(h: SimHost): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const abs = h.path(rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      out[`${rel}/`] = '';
      for (const name of readdirSync(abs)) walk(`${rel}/${name}`);
    } else out[rel] = readFileSync(abs, 'utf8');
  };
  walk('etc');
  walk('usr');
  return out;
}

function json(type: string, start: string): string {
  return `{\n  "mdev_type": "${type}",\n  "start": "${start}",\n  "attrs": []\n}`;
}

const kv = (h: SimHost, parent: string, u: string) => h.path(`etc/mdevctl.d/${parent}/${u}`);
const v01 = (h: SimHost, parent: string, u: string) => h.path(`etc/mdev.d/${parent}/${u}`);

test(
  'dry run (the default) on a bare 0.x host: what would be defined, nothing written, no installation needed',
  withHost(zeroXHost, (h) => {
    const before = snapshot(h);
    const r = mdevctl(h.root, 'import-legacy');
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      [
        `would define ${U1} on ${I915}: type i915-GVTg_V5_8, start auto (from ${kv(h, I915, U1)}, 0.x key=value)`,
        `would define ${U2} on mtty: type mtty-2, start manual (from ${kv(h, 'mtty', U2)}, 0.x key=value)`,
        `would define ${U3} on mtty: type mtty-1, start manual (from ${kv(h, 'mtty', U3)}, 0.x key=value)`,
        `would define ${U4} on mdpy: type mdpy-vga, start auto (from ${v01(h, 'mdpy', U4)}, 0.1 type file)`,
        "4 to import, 0 skipped (already defined), 0 invalid; dry run, nothing written (use 'mdevctl import-legacy --apply')",
        '',
      ].join('\n'),
    );
    assert.equal(r.status, 0);
    assert.deepEqual(snapshot(h), before);
  }),
);

test(
  '--apply needs a working installation (the dirs of SPEC §1); without one nothing is changed',
  withHost(zeroXHost, (h) => {
    const before = snapshot(h);
    const r = mdevctl(h.root, 'import-legacy', '--apply');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Error: Required directory .*usr\/lib\/mdevctl\/scripts\.d\/callouts.* packaging or installation error\n$/);
    assert.deepEqual(snapshot(h), before);
  }),
);

test(
  '--apply after install-system-files: JSON definitions, key=value originals backed up, 0.1 files kept; then idempotent',
  withHost(zeroXHost, (h) => {
    assert.equal(mdevctl(h.root, 'install-system-files').status, 0);
    const r = mdevctl(h.root, 'import-legacy', '--apply');
    assert.equal(r.stderr, '');
    const moved = (parent: string, u: string) => `; original moved to ${h.path(`${BACKUP}/${parent}/${u}`)}`;
    assert.equal(
      r.stdout,
      [
        `defined ${U1} on ${I915}: type i915-GVTg_V5_8, start auto (from ${kv(h, I915, U1)}, 0.x key=value)${moved(I915, U1)}`,
        `defined ${U2} on mtty: type mtty-2, start manual (from ${kv(h, 'mtty', U2)}, 0.x key=value)${moved('mtty', U2)}`,
        `defined ${U3} on mtty: type mtty-1, start manual (from ${kv(h, 'mtty', U3)}, 0.x key=value)${moved('mtty', U3)}`,
        `defined ${U4} on mdpy: type mdpy-vga, start auto (from ${v01(h, 'mdpy', U4)}, 0.1 type file); original kept`,
        '4 imported, 0 skipped (already defined), 0 invalid',
        '',
      ].join('\n'),
    );
    assert.equal(r.status, 0);
    assert.equal(h.read(`etc/mdevctl.d/${I915}/${U1}`), json('i915-GVTg_V5_8', 'auto'));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U2}`), json('mtty-2', 'manual'));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U3}`), json('mtty-1', 'manual'));
    assert.equal(h.read(`etc/mdevctl.d/mdpy/${U4}`), json('mdpy-vga', 'auto'));
    assert.equal(h.read(`${BACKUP}/${I915}/${U1}`), 'mdev_type=i915-GVTg_V5_8\nstart=auto\n');
    assert.equal(h.read(`${BACKUP}/mtty/${U3}`), 'mdev_type=mtty-1\n');
    assert.equal(h.read(`etc/mdev.d/mdpy/${U4}`), 'mdpy-vga\n');
    assert.deepEqual(h.activeUuids(), [], 'importing starts nothing');

    // 1.x and 0.x commands see the devices.
    assert.deepEqual(mdevctl(h.root, 'list', '-d'), {
      status: 0,
      stdout: `${U1} ${I915} i915-GVTg_V5_8 auto\n${U4} mdpy mdpy-vga auto\n${U2} mtty mtty-2 manual\n${U3} mtty mtty-1 manual\n`,
      stderr: '',
    });
    const saved = mdevctl(h.root, 'list-saved');
    assert.equal(saved.stdout, `${U1} ${I915} i915-GVTg_V5_8 auto\n${U4} mdpy mdpy-vga auto\n${U2} mtty mtty-2 manual\n${U3} mtty mtty-1 manual\n`);
    assert.equal(saved.stderr.split('\n').length, 2, `only the deprecation notice: ${saved.stderr}`);
    assert.equal(mdevctl(h.root, 'start-mdev', U2).status, 0);
    assert.equal(mdevctl(h.root, 'start-parent-mdevs', 'mdpy').status, 0);
    assert.deepEqual(h.activeUuids(), [U4, U2].sort());
    assert.equal(mdevctl(h.root, 'list-mdevs').stdout, `${U4} mdpy mdpy-vga\n${U2} mtty mtty-2\n`);

    // Again: nothing left to convert but the 0.1 file, which is skipped; nothing changes.
    const before = snapshot(h);
    const again = mdevctl(h.root, 'import-legacy', '--apply');
    assert.deepEqual(again, {
      status: 0,
      stdout:
        `skip ${v01(h, 'mdpy', U4)}: ${kv(h, 'mdpy', U4)} already exists\n` +
        '0 imported, 1 skipped (already defined), 0 invalid\n',
      stderr: '',
    });
    assert.deepEqual(snapshot(h), before);
  }),
);

test(
  'never overwrites: an existing definition wins over a 0.1 file and over an upper-case key=value twin',
  withHost(zeroXHost, (h) => {
    assert.equal(mdevctl(h.root, 'install-system-files').status, 0);
    assert.equal(mdevctl(h.root, 'define', '-u', U4, '-p', 'mdpy', '-t', 'mdpy-hd').status, 0);
    put(h, `etc/mdevctl.d/mtty/${U5.toUpperCase()}`, 'mdev_type=mtty-2\n');
    assert.equal(mdevctl(h.root, 'define', '-u', U5, '-p', 'mtty', '-t', 'mtty-1', '--auto').status, 0);
    const mine = h.read(`etc/mdevctl.d/mdpy/${U4}`);
    for (const args of [['import-legacy'], ['import-legacy', '--apply']]) {
      const r = mdevctl(h.root, ...args);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.includes(`skip ${v01(h, 'mdpy', U4)}: ${kv(h, 'mdpy', U4)} already exists\n`), r.stdout);
      assert.ok(r.stdout.includes(`skip ${kv(h, 'mtty', U5.toUpperCase())}: ${kv(h, 'mtty', U5)} already exists\n`), r.stdout);
    }
    assert.equal(h.read(`etc/mdevctl.d/mdpy/${U4}`), mine);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U5}`), json('mtty-1', 'auto'));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U5.toUpperCase()}`), 'mdev_type=mtty-2\n', 'the skipped file is left alone');
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U2}`), json('mtty-2', 'manual'), 'the others were imported');
  }),
);

test(
  'files that cannot be converted are listed as invalid (exit 1); the others are imported',
  withHost(zeroXHost, (h) => {
    assert.equal(mdevctl(h.root, 'install-system-files').status, 0);
    put(h, `etc/mdevctl.d/mtty/${U5}`, 'start=auto\n');
    put(h, 'etc/mdevctl.d/mtty/not-a-uuid', 'mdev_type=mtty-1\n');
    put(h, `etc/mdevctl.d/mdpy/${U5}`, 'mdev_type=mdpy-vga\nstart=sometimes\n');
    put(h, `etc/mdev.d/mtty/${U5}`, '');
    const r = mdevctl(h.root, 'import-legacy', '--apply');
    assert.equal(r.status, 1);
    const invalid = r.stdout.split('\n').filter((l) => l.startsWith('invalid '));
    assert.deepEqual(invalid, [
      `invalid ${kv(h, 'mdpy', U5)}: start=sometimes is neither auto nor manual`,
      `invalid ${kv(h, 'mtty', U5)}: no mdev_type`,
      `invalid ${kv(h, 'mtty', 'not-a-uuid')}: the file name "not-a-uuid" is not a UUID`,
      `invalid ${v01(h, 'mtty', U5)}: empty`,
    ]);
    assert.match(r.stdout, /\n4 imported, 0 skipped \(already defined\), 4 invalid\n$/);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U5}`), 'start=auto\n', 'an invalid file is left alone');
  }),
);

/** Refuses (in the pre stage, like a call-out's veto) to define one uuid. */
function veto(uuid: string): MdevctlPlugin {
  return {
    name: 'veto',
    sdkVersion: SDK_VERSION,
    apply(hooks: MdevctlHooks): void {
      const pre = hooks.lifecycle.pre as unknown as { tap(name: string, fn: (ctx: { device?: { uuid: string } }) => void): void };
      pre.tap('veto', (ctx) => {
        if (ctx.device?.uuid === uuid) throw new Error(`vetoed ${uuid}`);
      });
    },
  };
}

test(
  'a define that fails (a pre veto) puts the key=value file back and reports it; the rest go on',
  withHost(zeroXHost, async (h) => {
    assert.equal(mdevctl(h.root, 'install-system-files').status, 0);
    const r = await inProcess(h.root, ['import-legacy', '--apply'], { plugins: [veto(U2)] });
    assert.equal(r.status, 1);
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('failed '));
    assert.equal(failed.length, 1, r.stdout);
    assert.ok(failed[0]?.startsWith(`failed ${kv(h, 'mtty', U2)}: `) && failed[0].endsWith(`vetoed ${U2}`), r.stdout);
    assert.match(r.stdout, /\n3 imported, 0 skipped \(already defined\), 1 failed, 0 invalid\n$/);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U2}`), 'mdev_type=mtty-2\nstart=manual\n', 'the original is back');
    assert.ok(!existsSync(h.path(`${BACKUP}/mtty/${U2}`)), 'and its backup gone');
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U3}`), json('mtty-1', 'manual'));
    // Without the veto, a second run converts it.
    const again = mdevctl(h.root, 'import-legacy', '--apply');
    assert.equal(again.status, 0, again.stdout);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U2}`), json('mtty-2', 'manual'));
  }),
);

test(
  'import-legacy --help and an empty host',
  withHost(
    () => simHost({ parents: ['mtty'] }),
    (h) => {
      const help = mdevctl(h.root, 'import-legacy', '--help');
      assert.equal(help.status, 0);
      assert.match(help.stdout, /Usage: mdevctl import-legacy \[OPTIONS\]\n/);
      assert.match(help.stdout, /--apply/);
      assert.match(help.stdout, /Examples:\n/);
      assert.deepEqual(mdevctl(h.root, 'import-legacy'), {
        status: 0,
        stdout: `No 0.x definitions in ${h.path('etc/mdevctl.d')} or ${h.path('etc/mdev.d')}\n`,
        stderr: '',
      });
    },
  ),
);
