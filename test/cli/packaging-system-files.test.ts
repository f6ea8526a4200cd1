// Black-box: `mdevctl install-system-files` (the udev rule, the dirs of SPEC §1, man pages and
// bash completion under MDEVCTL_ENV_ROOT, idempotently), and the "reboot" story on the
// simulated host: auto devices come back when their parent registers again and udev runs what
// the installed rule says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MDEVCTL_BIN, SIM_BIN, mdevctl, tempDir } from '../helpers/cli.js';
import { RULE, docs, rebootStory, upstreamRuleLines } from '../helpers/packaging.js';

const OUR_COMMAND = `${process.execPath} ${MDEVCTL_BIN}`;

test('install-system-files on an empty root: the dirs, the udev rule, man pages and completion', async () => {
  const { dir: root, cleanup } = tempDir();
  try {
    const r = mdevctl(root, 'install-system-files');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const items = [
      ['created', 'etc/mdevctl.d/'],
      ['created', 'usr/lib/mdevctl/scripts.d/callouts/'],
      ['created', 'usr/lib/mdevctl/scripts.d/notifiers/'],
      ['installed', RULE],
      ['installed', 'usr/lib/udev/rules.d/61-mdevctl-vgpu.rules'],
      ['installed', 'usr/lib/systemd/system/mdevctl-vgpu@.service'],
      ['installed', 'usr/share/man/man8/mdevctl.8'],
      ['installed', 'usr/share/man/man8/lsmdev.8'],
      ['installed', 'usr/share/bash-completion/completions/mdevctl'],
      ['installed', 'usr/share/bash-completion/completions/lsmdev'],
    ];
    assert.equal(r.stdout, items.map(([what, rel]) => `${what} ${join(root, rel ?? '')}\n`).join(''));
    for (const d of ['etc/mdevctl.d', 'usr/lib/mdevctl/scripts.d/callouts', 'usr/lib/mdevctl/scripts.d/notifiers']) {
      assert.ok(statSync(join(root, d)).isDirectory(), d);
    }
    // The rule: upstream's two rules, running this mdevctl with this node by absolute paths.
    const rule = readFileSync(join(root, RULE), 'utf8');
    const ruleLines = rule.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(ruleLines, upstreamRuleLines(OUR_COMMAND));
    assert.equal(statSync(join(root, RULE)).mode & 0o777, 0o644);
    // man pages and completion: what the generators make from the command definitions
    const gen = await docs();
    const files = new Map((await gen.generatedFiles()).map((f) => [f.path, f.content]));
    assert.equal(readFileSync(join(root, 'usr/share/man/man8/mdevctl.8'), 'utf8'), files.get('man/mdevctl.8'));
    assert.equal(readFileSync(join(root, 'usr/share/man/man8/lsmdev.8'), 'utf8'), files.get('man/lsmdev.8'));
    for (const name of ['mdevctl', 'lsmdev']) {
      assert.equal(readFileSync(join(root, 'usr/share/bash-completion/completions', name), 'utf8'), files.get(gen.COMPLETION_FILE));
    }
    // A working installation now: commands that need the dirs run.
    assert.deepEqual(mdevctl(root, 'list', '-d'), { status: 0, stdout: '', stderr: '' });
  } finally {
    cleanup();
  }
});

test('install-system-files is idempotent: a second run changes nothing; a changed file is put back', () => {
  const { dir: root, cleanup } = tempDir();
  try {
    assert.equal(mdevctl(root, 'install-system-files').status, 0);
    const before = readFileSync(join(root, RULE), 'utf8');
    const mtime = statSync(join(root, RULE)).mtimeMs;
    const again = mdevctl(root, 'install-system-files');
    assert.equal(again.status, 0, again.stderr);
    assert.ok(again.stdout.split('\n').filter((l) => l !== '').every((l) => l.startsWith('unchanged ')), again.stdout);
    assert.equal(statSync(join(root, RULE)).mtimeMs, mtime, 'an unchanged file is not rewritten');
    // A file changed by hand is put back.
    writeFileSync(join(root, RULE), 'edited\n');
    const repair = mdevctl(root, 'install-system-files');
    assert.match(repair.stdout, new RegExp(`^updated ${join(root, RULE)}$`, 'm'));
    assert.equal(readFileSync(join(root, RULE), 'utf8'), before);
    // --exec: the command the rule runs (a distribution's /usr/sbin/mdevctl)
    const sbin = mdevctl(root, 'install-system-files', '--exec', '/usr/sbin/mdevctl');
    assert.equal(sbin.status, 0, sbin.stderr);
    assert.deepEqual(
      readFileSync(join(root, RULE), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')),
      upstreamRuleLines('/usr/sbin/mdevctl'),
    );
  } finally {
    cleanup();
  }
});

test('install-system-files refuses an --exec the rule cannot quote (usage error, nothing written)', () => {
  const { dir: root, cleanup } = tempDir();
  try {
    for (const bad of ["/opt/it's/mdevctl", 'mdevctl', '/usr/bin/x"y', '/a/$b']) {
      const r = mdevctl(root, 'install-system-files', '--exec', bad);
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: Invalid value .* for '--exec <COMMAND>': .+\n$/);
    }
    assert.ok(!existsSync(join(root, 'usr')), 'nothing written');
  } finally {
    cleanup();
  }
});

test('without install-system-files a command names the missing dir; afterwards it works', () => {
  const { dir: root, cleanup } = tempDir();
  try {
    const r = mdevctl(root, 'list');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /etc\/mdevctl\.d.*packaging or installation error/);
    assert.equal(mdevctl(root, 'install-system-files').status, 0);
    assert.deepEqual(mdevctl(root, 'list'), { status: 0, stdout: '', stderr: '' });
  } finally {
    cleanup();
  }
});

test('reboot story: after unplug/plug of mtty, the installed rule brings its auto devices back', () => {
  const { dir, cleanup } = tempDir();
  try {
    rebootStory(MDEVCTL_BIN, SIM_BIN, dir);
  } finally {
    cleanup();
  }
});
