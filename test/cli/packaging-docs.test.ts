// The documents generated from the command definitions: `CMD --help` for every command (with
// the man page's examples), the man pages mdevctl(8) and lsmdev(8), and the bash completion,
// which completes commands, options, and the host's parents, types and uuids.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LSMDEV_BIN, REPO, mdevctl, runBin, tempDir } from '../helpers/cli.js';
import { simHost } from '../helpers/sim-host.js';
import { complete, docs } from '../helpers/packaging.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const I915 = '0000:00:02.0';

test('CMD --help for every command (listed, hidden, new and 0.x): usage, every option, the examples', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const commands = await (await docs()).documentedCommands();
    const names = commands.map((c) => c.name);
    for (const c of ['define', 'undefine', 'modify', 'start', 'stop', 'list', 'types', 'start-parent-mdevs', 'import-legacy', 'install-system-files', 'list-saved']) {
      assert.ok(names.includes(c), `${c} is documented`);
    }
    for (const c of commands) {
      const r = mdevctl(join(dir, 'no-host'), c.name, '--help');
      assert.equal(r.status, 0, `${c.name}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, new RegExp(`\\nUsage: mdevctl ${c.name} \\[OPTIONS\\]`));
      for (const o of c.options) for (const n of o.names) assert.ok(r.stdout.includes(n), `${c.name} --help shows ${n}`);
      assert.ok(c.examples.length > 0, `${c.name} has examples`);
      assert.ok(r.stdout.includes('\nExamples:\n'), `${c.name} --help has examples`);
      for (const [, command] of c.examples) assert.ok(r.stdout.includes(`    $ ${command}\n`), `${c.name} --help shows ${command}`);
    }
    // The program's list: the current commands only (no hidden, no 0.x aliases).
    const listed = mdevctl(join(dir, 'no-host'), '--help')
      .stdout.split('Commands:\n')[1]
      ?.split('\n\n')[0]
      ?.split('\n')
      .map((l) => l.trim().split(/\s+/)[0]);
    const expected = [...commands.filter((c) => !c.hidden && !c.legacy).map((c) => c.name), 'help'];
    assert.deepEqual(listed, expected);
    const lsmdev = runBin(join(dir, 'no-host'), ['--help'], { bin: LSMDEV_BIN });
    assert.equal(lsmdev.status, 0);
    assert.match(lsmdev.stdout, /Examples:\n/);
  } finally {
    cleanup();
  }
});

test('the man pages: every command in its section, every option, the examples; roff without warnings', async (t) => {
  const gen = await docs();
  const files = new Map((await gen.generatedFiles()).map((f) => [f.path, f.content]));
  const page = files.get('man/mdevctl.8') ?? '';
  const lsmdev = files.get('man/lsmdev.8') ?? '';
  assert.match(page, /^\.TH MDEVCTL 8 "" "mdevctl 1\.4\.0" "System Administration"$/m);
  assert.match(lsmdev, /^\.TH LSMDEV 8 /m);
  const roffDash = (s: string) => s.replaceAll('-', '\\-');
  const section = (name: string) => page.indexOf(`\n.SH ${name}\n`);
  for (const c of await gen.documentedCommands()) {
    const at = page.indexOf(`\n.SS ${roffDash(c.name)}\n`);
    assert.ok(at > 0, `${c.name} has a section`);
    if (c.legacy) assert.ok(at > section('DEPRECATED 0.x COMMANDS'), `${c.name} is with the 0.x commands`);
    else assert.ok(at > section('COMMANDS') && at < section('OPTIONS'), `${c.name} is with the commands`);
    for (const o of c.options) for (const n of o.names) assert.ok(page.includes(`\\fB${roffDash(n)}\\fR`), `${c.name}: ${n}`);
    for (const [, command] of c.examples) assert.ok(page.includes(`# ${roffDash(command)}\n`), `${c.name}: ${command}`);
  }
  for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'OPTIONS', 'FILES', 'ENVIRONMENT', 'EXIT STATUS', 'SEE ALSO']) {
    assert.ok(section(s) > 0, `section ${s}`);
  }
  for (const o of ['--defined', '--dumpjson', '--verbose', '--uuid', '--parent']) assert.ok(lsmdev.includes(roffDash(o)), `lsmdev(8): ${o}`);

  const groff = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
  if (groff.error) {
    t.skip('groff is not installed');
    return;
  }
  assert.equal(groff.stderr, '', 'mdevctl.8 renders without warnings');
  assert.equal(spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: lsmdev, encoding: 'utf8' }).stderr, '');
});

test('scripts/generate-docs.mjs writes what the generators make, and --check finds a stale file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const gen = await docs();
    const script = join(REPO, 'scripts/generate-docs.mjs');
    const stale = spawnSync(process.execPath, [script, '--check', dir], { encoding: 'utf8' });
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /man\/mdevctl\.8 is missing or out of date/);
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const f of await gen.generatedFiles()) assert.equal(readFileSync(join(dir, f.path), 'utf8'), f.content, f.path);
    assert.equal(spawnSync(process.execPath, [script, '--check', dir], { encoding: 'utf8' }).status, 0);
  } finally {
    cleanup();
  }
});

test('bash completion: commands, options, and the host\'s uuids, parents and types', async () => {
  const gen = await docs();
  const temp = tempDir();
  const script = join(temp.dir, 'mdevctl.bash');
  writeFileSync(script, (await gen.generatedFiles()).find((f) => f.path === gen.COMPLETION_FILE)?.content ?? '');
  const h = simHost({ parents: ['mtty', 'mdpy', I915] });
  try {
    const run = (...args: string[]) => assert.equal(mdevctl(h.root, ...args).status, 0, args.join(' '));
    run('define', '-u', U1, '-p', 'mtty', '-t', 'mtty-1');
    run('define', '-u', U2, '-p', 'mdpy', '-t', 'mdpy-vga', '--auto');
    run('define', '-u', U2, '-p', 'mtty', '-t', 'mtty-2');
    run('start', '-u', U1);
    run('start', '-p', I915, '-t', 'i915-GVTg_V5_4', '-u', U3);
    const c = (line: string) => complete(script, line, { MDEVCTL_ENV_ROOT: h.root });

    const documented = await gen.documentedCommands();
    const visible = documented.filter((d) => !d.hidden && !d.legacy).map((d) => d.name);
    /** The long options of a command, in definition order, then --help. */
    const longOptions = (name: string) => [
      ...(documented.find((d) => d.name === name)?.options ?? []).flatMap((o) => o.names.filter((n) => n.startsWith('--'))),
      '--help',
    ];
    assert.deepEqual(c('mdevctl '), [...visible, 'help']);
    assert.deepEqual(c('mdevctl st'), ['start', 'stop']);
    assert.deepEqual(c('mdevctl --'), ['--help', '--version']);
    assert.deepEqual(c('mdevctl help un'), ['undefine']);
    assert.deepEqual(c('mdevctl start --'), longOptions('start'));
    assert.ok(longOptions('start').includes('--jsonfile'));
    assert.deepEqual(c('mdevctl modify --de'), ['--delattr', '--defined']);
    // uuids: running ones to stop or define, defined ones to start, modify or undefine
    assert.deepEqual(c('mdevctl stop -u '), [U1, U3]);
    assert.deepEqual(c('mdevctl define --uuid '), [U1, U3]);
    assert.deepEqual(c('mdevctl start -u '), [U1, U2]);
    assert.deepEqual(c('mdevctl undefine --uuid=5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0'), [U1, U2]);
    assert.deepEqual(c('mdevctl list -u '), [U1, U2, U3]);
    // parents (a name with ':' completes after the last word break, as bash wants it)
    assert.deepEqual(c('mdevctl start -p '), [I915, 'mdpy', 'mtty']);
    assert.deepEqual(c('mdevctl start -p m'), ['mdpy', 'mtty']);
    assert.deepEqual(c('mdevctl start -p 0000:00:0'), ['02.0']);
    assert.deepEqual(c('mdevctl start --parent=0000:00:0'), ['02.0']);
    // types: of the parent given on the line, else of all
    assert.deepEqual(c('mdevctl define -p mtty -t '), ['mtty-1', 'mtty-2']);
    assert.deepEqual(c(`mdevctl start --parent=${I915} --type=i915-GVTg_V5_`), ['i915-GVTg_V5_1', 'i915-GVTg_V5_2', 'i915-GVTg_V5_4', 'i915-GVTg_V5_8']);
    assert.deepEqual(c('mdevctl types -p mdpy --'), longOptions('types'));
    assert.ok(c('mdevctl start -t ').includes('mdpy-hd'));
    // positionals: start-parent-mdevs PARENT; the 0.x create-mdev UUID PARENT TYPE
    assert.deepEqual(c('mdevctl start-parent-mdevs mt'), ['mtty']);
    assert.deepEqual(c(`mdevctl create-mdev ${U3} md`), ['mdpy']);
    assert.deepEqual(c(`mdevctl create-mdev ${U3} mdpy mdpy-`), ['mdpy-hd', 'mdpy-vga', 'mdpy-xga']);
    assert.deepEqual(c('mdevctl stop-mdev '), [U1, U3]);
    // files for --jsonfile
    assert.deepEqual(c(`mdevctl define -p mtty --jsonfile ${h.path('etc/mdevctl.d/mdpy/')}`), [h.path(`etc/mdevctl.d/mdpy/${U2}`)]);
    // lsmdev is list
    assert.deepEqual(c('lsmdev --'), longOptions('list'));
    assert.ok(longOptions('list').includes('--defined'));
    assert.deepEqual(c('lsmdev -p mt'), ['mtty']);
    // an empty host: nothing to offer, no errors
    assert.deepEqual(complete(script, 'mdevctl stop -u ', { MDEVCTL_ENV_ROOT: join(h.root, 'nothing') }), []);
  } finally {
    h.cleanup();
    temp.cleanup();
  }
});
