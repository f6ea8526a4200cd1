// The bash completion in a real interactive bash (under tmux): Tab over hostile names — files
// in the working directory, parents, uuids and types read from the host tree — never runs
// them, offers them, and puts them on the line quoted, so that Enter passes each one as the
// literal argument it is. A name that the shell would expand writes the marker file when
// evaluated; the marker must never appear.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { tempDir } from '../helpers/cli.js';
import { docs } from '../helpers/packaging.js';

const TMUX = '/usr/bin/tmux';
const FILE = '$(id>$M)vm.json';
const PARENT = '$(id>$M)p';
const UUID = '`id>$M`u';
const TYPE = 'mtty-$(id>$M)';
const PLUGIN_DIR = 'plug;id>$M';

const haveTmux = spawnSync(TMUX, ['-V']).status === 0 && spawnSync('bash', ['--version']).status === 0;

test('Tab in a real bash never evaluates a file, parent, uuid or type name, and quotes it on the line', { skip: !haveTmux && 'no tmux' }, async () => {
  const gen = await docs();
  const t = tempDir('mdevctl-tab-');
  const marker = join(t.dir, 'MARKER');
  const root = join(t.dir, 'root');
  const cwd = join(t.dir, 'cwd');
  mkdirSync(join(root, `etc/mdevctl.d/${PARENT}`), { recursive: true });
  writeFileSync(join(root, `etc/mdevctl.d/${PARENT}/${UUID}`), '{"mdev_type":"x","start":"manual"}');
  mkdirSync(join(root, `sys/class/mdev_bus/mtty/mdev_supported_types/${TYPE}`), { recursive: true });
  mkdirSync(join(cwd, PLUGIN_DIR), { recursive: true });
  writeFileSync(join(cwd, FILE), '{}');
  const completion = join(t.dir, 'mdevctl.bash');
  writeFileSync(completion, (await gen.generatedFiles()).find((f) => f.path === gen.COMPLETION_FILE)?.content ?? '');
  // mdevctl is a function that records its arguments (args.1, args.2, …): Enter proves what
  // the line held.
  writeFileSync(
    join(t.dir, 'rc'),
    [
      `source '${completion}'`,
      `mdevctl() { printf '%s\\n' "$@" >'${t.dir}/args.tmp' && mv '${t.dir}/args.tmp' "${t.dir}/args.$((++calls))"; }`,
      "PS1='$ '",
      'unset HISTFILE',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(t.dir, 'inputrc'),
    ['set show-all-if-ambiguous on', 'set completion-query-items 10000', 'set page-completions off', 'set bell-style none', ''].join('\n'),
  );
  const sock = join(t.dir, 'tmux.sock');
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: t.dir,
    TERM: 'xterm',
    INPUTRC: join(t.dir, 'inputrc'),
    MDEVCTL_ENV_ROOT: root,
    M: marker,
  };
  const tmux = (...args: string[]) => {
    const r = spawnSync(TMUX, ['-S', sock, '-f', '/dev/null', ...args], { env, cwd, encoding: 'utf8' });
    assert.equal(r.status, 0, `tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Waits (bounded) until the pane shows `want`; returns the pane. */
  const until = async (want: string): Promise<string> => {
    let pane = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await delay(25)) {
      pane = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'tab');
      if (pane.includes(want)) return pane;
    }
    assert.fail(`the pane never showed ${JSON.stringify(want)}:\n${pane}`);
  };
  let calls = 0;
  /** Types `line`, Tab and Enter; resolves to the arguments mdevctl got (bounded wait). */
  const enter = async (line: string): Promise<string[]> => {
    tmux('send-keys', '-t', 'tab', '-l', line);
    tmux('send-keys', '-t', 'tab', 'Tab', 'Enter');
    const file = join(t.dir, `args.${++calls}`);
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await delay(25)) {
      if (existsSync(file)) return readFileSync(file, 'utf8').split('\n').slice(0, -1);
    }
    assert.fail(`mdevctl never ran for ${JSON.stringify(line)}:\n${tmux('capture-pane', '-p', '-t', 'tab')}`);
  };
  try {
    tmux('new-session', '-d', '-s', 'tab', '-x', '220', '-y', '50', '-c', cwd, 'bash', '--noprofile', '--rcfile', join(t.dir, 'rc'), '-i');
    await until('$ ');
    // Files: the candidates listed (by their names), then C-c.
    tmux('send-keys', '-t', 'tab', '-l', 'mdevctl define --jsonfile ./');
    tmux('send-keys', '-t', 'tab', 'Tab');
    const listed = await until(PLUGIN_DIR);
    assert.ok(listed.includes(FILE), listed);
    tmux('send-keys', '-t', 'tab', 'C-c');
    // One file completed, quoted: the argument is the name itself.
    assert.deepEqual(await enter('mdevctl apply ./$'), ['apply', `./${FILE}`]);
    assert.deepEqual(await enter('mdevctl assert ./\\$\\('), ['assert', `./${FILE}`]);
    assert.deepEqual(await enter("mdevctl diff './$("), ['diff', `./${FILE}`]);
    assert.deepEqual(await enter('mdevctl define -p x --jsonfile=./$'), ['define', '-p', 'x', `--jsonfile=./${FILE}`]);
    // A directory for plugin-init (bash appends the slash).
    assert.deepEqual(await enter('mdevctl plugin-init ./pl'), ['plugin-init', `./${PLUGIN_DIR}/`]);
    // Data read from the host: a parent, a uuid, a type; and inside an open double quote,
    // where $( ) would still expand.
    assert.deepEqual(await enter('mdevctl list -p \\$'), ['list', '-p', PARENT]);
    assert.deepEqual(await enter('mdevctl start -u '), ['start', '-u', UUID]);
    assert.deepEqual(await enter('mdevctl define -p mtty -t mtty-'), ['define', '-p', 'mtty', '-t', TYPE]);
    assert.deepEqual(await enter('mdevctl list -p "\\$'), ['list', '-p', PARENT]);
    assert.equal(existsSync(marker), false, 'a name was evaluated by the shell');
  } finally {
    spawnSync(TMUX, ['-S', sock, 'kill-server'], { env });
    t.cleanup();
  }
});
