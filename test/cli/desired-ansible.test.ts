// examples/ansible run for real: Debian's ansible-core against localhost on a simulated host, the
// mdevctl_desired module through the playbook — check mode changes nothing, the first run changed,
// the second not, a refused file fails with mdevctl's line, a profile switch in one run. Nothing is installed: the packages are
// fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache dir outside the
// repository; only the child processes get PYTHONPATH (and a temp HOME) for them. Skipped with one
// line where apt is not available; under CI=true, apt present but failing fails the test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MDEVCTL_BIN, REPO } from '../helpers/cli.js';
import { tree, withHost } from '../helpers/expect.js';
import { perParent } from '../helpers/desired.js';
import { testCacheDir } from '../helpers/cache.js';

const PACKAGES = ['ansible-core', 'python3-jinja2', 'python3-markupsafe', 'python3-yaml', 'python3-packaging', 'python3-resolvelib'];
const PYTHON = '/usr/bin/python3';

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** The unpacked packages (cached), or why they cannot be had. */
function ansibleTree(): { dir: string } | { problem: string } {
  const base = testCacheDir(); // the tests' one cache dir (it was ~/.cache/mdevctl-test, a second one)
  const dir = join(base, 'ansible');
  if (existsSync(join(dir, 'usr/bin/ansible-playbook'))) return { dir };
  mkdirSync(base, { recursive: true });
  const work = mkdtempSync(join(base, 'ansible-'));
  try {
    const dl = spawnSync('apt-get', ['download', ...PACKAGES], { cwd: work, encoding: 'utf8', timeout: 300_000 });
    if (dl.status !== 0) return { problem: `apt-get download failed: ${(dl.stderr || dl.stdout).trim().split('\n').pop()}` };
    const tree = join(work, 'tree');
    for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb'))) {
      const x = spawnSync('dpkg-deb', ['-x', join(work, deb), tree], { encoding: 'utf8' });
      if (x.status !== 0) return { problem: `dpkg-deb -x ${deb} failed: ${x.stderr.trim()}` };
    }
    renameSync(tree, dir);
    return { dir };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Play {
  status: number;
  out: string;
  ok: number;
  changed: number;
  failures: number;
}

test('examples/ansible: the mdevctl_desired module — check mode changes nothing, first run changed, second not, a refused file fails with mdevctl\'s line, a profile switch in one run', (t) => {
  if (!has('apt-get') || !has('dpkg-deb') || !existsSync(PYTHON)) {
    t.skip('apt-get, dpkg-deb or /usr/bin/python3 not available: the Ansible example is not run');
    return;
  }
  const got = ansibleTree();
  if ('problem' in got) {
    if (process.env['CI'] === 'true') assert.fail(got.problem);
    t.skip(`${got.problem}: the Ansible example is not run`);
    return;
  }
  withHost((h) => {
    const home = mkdtempSync(join(h.root, '..', 'ansible-home-'));
    try {
      const dest = join(h.root, 'etc/mdevctl/desired.yaml');
      const play = (extra: Record<string, unknown>, flags: string[] = []): Play => {
        const vars = {
          mdevctl_hosts: 'localhost',
          mdevctl_become: false,
          mdevctl_desired_src: join(REPO, 'examples/ansible/desired.yaml'),
          mdevctl_desired_dest: dest,
          mdevctl_command: [process.execPath, MDEVCTL_BIN],
          mdevctl_wait_parents: 5,
          mdevctl_environment: { MDEVCTL_ENV_ROOT: h.root },
          ...extra,
        };
        const r = spawnSync(
          PYTHON,
          [join(got.dir, 'usr/bin/ansible-playbook'), '-i', 'localhost,', '-c', 'local', '-e', `ansible_python_interpreter=${PYTHON}`, '-e', JSON.stringify(vars), ...flags, join(REPO, 'examples/ansible/playbook.yml')],
          {
            encoding: 'utf8',
            timeout: 300_000,
            env: {
              PATH: process.env['PATH'] ?? '/usr/bin:/bin',
              PYTHONPATH: join(got.dir, 'usr/lib/python3/dist-packages'),
              HOME: home,
              ANSIBLE_HOME: join(home, '.ansible'),
              ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
              ANSIBLE_REMOTE_TEMP: join(home, 'remote-tmp'),
              ANSIBLE_NOCOLOR: '1',
              ANSIBLE_PYTHON_INTERPRETER: PYTHON,
              LC_ALL: 'C.UTF-8',
            },
          },
        );
        // PLAY RECAP: `localhost : ok=4 changed=2 unreachable=0 failed=0 ...`
        const recap = /^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/m.exec(r.stdout);
        assert.ok(recap, `${r.stdout}\n${r.stderr}`);
        return { status: r.status ?? -1, out: r.stdout, ok: Number(recap[1]), changed: Number(recap[2]), failures: Number(recap[3]) };
      };
      const succeeds = (p: Play) => assert.equal(p.status, 0, p.out);

      // Check mode (the file already shipped): mdevctl diff reports the change, --diff shows the plan; nothing changes.
      mkdirSync(join(h.root, 'etc/mdevctl'), { recursive: true });
      copyFileSync(join(REPO, 'examples/ansible/desired.yaml'), dest);
      const before = tree(h.root);
      const check = play({}, ['--check', '--diff']);
      succeeds(check);
      assert.equal(check.changed, 1, check.out);
      assert.match(check.out, /^define {3}mtty\/[0-9a-f-]+ mtty-1 \(device console\)$/m);
      assert.deepEqual(tree(h.root), before, 'check mode changed nothing');

      const first = play({});
      succeeds(first);
      assert.equal(first.changed, 1, first.out); // the apply (the file was shipped already)
      assert.deepEqual(perParent(h), { mtty: 1, mdpy: 4 });
      const second = play({});
      succeeds(second);
      assert.equal(second.changed, 0, second.out);

      // A refused file fails the task with mdevctl's line as msg; nothing changes.
      const refusedSrc = join(home, 'refused.yaml');
      writeFileSync(refusedSrc, 'name: x\ndevices:\n  - {name: a, parent: mtty, type: mtty-1, start: auto, active: false}\n');
      const refused = play({ mdevctl_desired_src: refusedSrc });
      assert.notEqual(refused.status, 0);
      assert.equal(refused.failures, 1);
      assert.match(refused.out, /"msg": "[^"]*desired\.yaml:3: devices\[0\]\.start: auto with active: false contradicts itself/);
      assert.deepEqual(perParent(h), { mtty: 1, mdpy: 4 });

      // A profile switch in one run: the outgoing file's devices go, the incoming ones come.
      const a = join(home, 'a.yaml');
      const b = join(home, 'b.yaml');
      writeFileSync(a, 'profile: lab\nname: a\nrequests:\n  - {name: d, typeName: mbochs-small, count: 1, parents: [mbochs]}\n');
      writeFileSync(b, 'profile: lab\nname: b\nrequests:\n  - {name: s, type: mtty-2, count: 2, parents: [mtty]}\n');
      succeeds(play({ mdevctl_desired_src: a, mdevctl_prune: true }));
      assert.deepEqual(perParent(h), { mtty: 1, mdpy: 4, mbochs: 1 });
      const sw = play({ mdevctl_desired_src: b, mdevctl_prune: true });
      succeeds(sw);
      assert.equal(sw.changed, 2, sw.out); // the copy and the apply
      assert.match(sw.out, /prune/);
      assert.deepEqual(perParent(h), { mtty: 3, mdpy: 4 }, 'only the profile\'s devices went; the first file\'s stay');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
