// examples/ansible run for real: Debian's ansible-core against localhost on a simulated host, the
// playbook twice — the first run changed, the second not. Nothing is installed: the packages are
// fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache dir outside the
// repository; only the child processes get PYTHONPATH (and a temp HOME) for them. Skipped with one
// line where apt is not available; under CI=true, apt present but failing fails the test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MDEVCTL_BIN, REPO } from '../helpers/cli.js';
import { withHost } from '../helpers/expect.js';
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

test('examples/ansible: the playbook applies the file on localhost (changed), and a second run changes nothing', (t) => {
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
      const vars = {
        mdevctl_hosts: 'localhost',
        mdevctl_become: false,
        mdevctl_desired_src: join(REPO, 'examples/ansible/desired.yaml'),
        mdevctl_desired_dest: join(h.root, 'etc/mdevctl/desired.yaml'),
        mdevctl_command: [process.execPath, MDEVCTL_BIN],
        mdevctl_wait_parents: 5,
        mdevctl_environment: { MDEVCTL_ENV_ROOT: h.root },
      };
      const play = () => {
        const r = spawnSync(
          PYTHON,
          [join(got.dir, 'usr/bin/ansible-playbook'), '-i', 'localhost,', '-c', 'local', '-e', `ansible_python_interpreter=${PYTHON}`, '-e', JSON.stringify(vars), join(REPO, 'examples/ansible/playbook.yml')],
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
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        // PLAY RECAP: `localhost : ok=4 changed=2 unreachable=0 failed=0 ...`
        const recap = /^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/m.exec(r.stdout);
        assert.ok(recap, r.stdout);
        return { ok: Number(recap[1]), changed: Number(recap[2]), failures: Number(recap[3]) };
      };
      const first = play();
      assert.ok(first !== undefined && first.changed >= 2 && first.failures === 0, JSON.stringify(first)); // the copy and the apply
      assert.deepEqual(perParent(h), { mtty: 1, mdpy: 4 });
      const second = play();
      assert.equal(second?.changed, 0, JSON.stringify(second));
      assert.equal(second?.failures, 0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
