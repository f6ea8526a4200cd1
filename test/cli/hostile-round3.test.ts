// Issue 23 item 7, the rest of the third hostile review: the 0.x deprecation notice and plugin
// names cannot forge lines; sysfs links leading outside the root are not followed; a fifo or
// /dev/zero as the configuration file is refused at once; a full disk is reported with the
// path; definitions under `.hidden` or `scripts.d` are refused (they would never be listed);
// a group write bit (an ACL's mask) makes a configuration file unsafe; install-system-files
// neither follows a dir linked out of the root nor hangs on a fifo, and installs readable files
// under umask 077.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK_VERSION } from '@mdevctl/plugin-sdk';
import { MDEVCTL_BIN, mdevctl, runBin } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { inProcess } from '../helpers/packaging.js';
import { tree } from '../helpers/expect.js';
import { canMount, inMountNamespace } from '../helpers/reliability.js';

const U = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const FORGED = '\n[2026-01-01T00:00:00Z WARN  mdevctl] forged';
const asRoot = process.geteuid?.() === 0;

function withHost(fn: (h: SimHost) => void | Promise<void>): Promise<void> {
  const h = simHost({ parents: ['mtty'] });
  return Promise.resolve()
    .then(() => fn(h))
    .finally(() => h.cleanup());
}

/** A child run with a hard timeout: a hang fails the test instead of stalling it. */
function bounded(root: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MDEVCTL_BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: root, ...env },
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  assert.equal(r.signal, null, `mdevctl ${args.join(' ')} hung`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the 0.x deprecation notice escapes the arguments it repeats; a plugin name of two lines is refused in one line', () =>
  withHost(async (h) => {
    const r = mdevctl(h.root, 'create-mdev', U, `mtty${FORGED}`, 'mtty-1');
    assert.notEqual(r.status, 0);
    const lines = r.stderr.split('\n').slice(0, -1);
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', /^mdevctl: 'create-mdev' is a deprecated 0\.x command; use 'mdevctl define -u \S+ -p mtty\\n\[2026/);
    assert.ok(!r.stderr.includes('\n[2026'), r.stderr);

    const plugin = { name: `evil${FORGED}`, sdkVersion: SDK_VERSION, apply: () => undefined };
    const p = await inProcess(h.root, ['define', '-u', U, '-p', 'mtty', '-t', 'mtty-1'], { plugins: [plugin] });
    assert.equal(p.status, 1);
    assert.equal(p.stderr, "Error: Plugin evil\\n[2026-01-01T00:00:00Z WARN  mdevctl] forged: a plugin's name must be one line of printable text\n");
    assert.deepEqual(h.definitions('mtty'), []);
  }));

test('sysfs links leading outside the root: that parent, type or device is not there; nothing outside is read or written', () =>
  withHost((h) => {
    const outside = mkdtempSync(join(tmpdir(), 'mdevctl-outside-'));
    try {
      // A parent dir elsewhere, with a type that looks writable.
      const type = join(outside, 'parent/mdev_supported_types/evil-1');
      mkdirSync(type, { recursive: true });
      writeFileSync(join(type, 'available_instances'), '1\n');
      writeFileSync(join(type, 'device_api'), 'vfio-pci\n');
      writeFileSync(join(type, 'create'), '');
      symlinkSync(join(outside, 'parent'), h.path('sys/class/mdev_bus/evil'));
      // A type of a real parent linked elsewhere.
      symlinkSync(type, h.path('sys/class/mdev_bus/mtty/mdev_supported_types/mtty-out'));
      // A "running device" elsewhere.
      const dev = join(outside, 'parent/dev');
      mkdirSync(dev);
      writeFileSync(join(dev, 'remove'), '');
      symlinkSync(type, join(dev, 'mdev_type'));
      symlinkSync(dev, h.path(`sys/bus/mdev/devices/${U}`));
      const before = tree(outside);

      const types = mdevctl(h.root, 'types');
      assert.equal(types.status, 0, types.stderr);
      assert.ok(!types.stdout.includes('evil') && !types.stdout.includes('mtty-out'), types.stdout);
      assert.equal(mdevctl(h.root, 'list').stdout, '');
      assert.equal(mdevctl(h.root, 'start', '-u', U, '-p', 'evil', '-t', 'evil-1').status, 1);
      assert.equal(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-out').status, 1);
      assert.equal(mdevctl(h.root, 'stop', '-u', U).status, 1);
      assert.deepEqual(tree(outside), before);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }));

test('a fifo or /dev/zero as the configuration file is refused at once with one line; /dev/null is still no configuration', () =>
  withHost((h) => {
    const fifo = h.path('config.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const f = bounded(h.root, ['list'], { MDEVCTL_CONFIG: fifo });
    assert.deepEqual(f, { status: 1, stdout: '', stderr: `Error: Unable to read configuration file ${fifo}: it is not a regular file (a fifo)\n` });
    const z = bounded(h.root, ['list'], { MDEVCTL_CONFIG: '/dev/zero' });
    assert.deepEqual(z, { status: 1, stdout: '', stderr: 'Error: Unable to read configuration file /dev/zero: it is not a regular file (a device or socket)\n' });
    assert.deepEqual(bounded(h.root, ['list'], { MDEVCTL_CONFIG: '/dev/null' }), { status: 0, stdout: '', stderr: '' });
    // A configuration file larger than 1 MiB is refused without being read whole.
    const big = h.path('big.json');
    writeFileSync(big, `{"plugins": {}}${' '.repeat(1024 * 1024)}`);
    assert.match(bounded(h.root, ['list'], { MDEVCTL_CONFIG: big }).stderr, /^Error: Unable to read configuration file .*big\.json: it is larger than 1048576 bytes\n$/);
  }));

test('definitions under a parent named .hidden or scripts.d are refused (a scan never lists them); nothing is written', () =>
  withHost((h) => {
    for (const parent of ['.hidden', 'scripts.d']) {
      const r = mdevctl(h.root, 'define', '-u', U, '-p', parent, '-t', 'mtty-1');
      assert.deepEqual(r, {
        status: 1,
        stdout: '',
        stderr: `Error: Parent ${parent} cannot have definitions: etc/mdevctl.d/${parent} is never read (a name starting with '.', or scripts.d, is no parent device)\n`,
      });
      assert.equal(h.exists(`etc/mdevctl.d/${parent}/${U}`), false);
    }
    const file = h.path('hidden.yaml');
    writeFileSync(file, 'name: lab\ndevices:\n  - {name: d, parent: .hidden, type: mtty-1}\n');
    const a = mdevctl(h.root, 'apply', file);
    assert.equal(a.status, 1, a.stdout);
    assert.equal(h.exists('etc/mdevctl.d/.hidden'), false);
  }));

test('as root, a configuration file whose group bits allow writing is refused even for the group root (an ACL mask)', { skip: asRoot ? false : 'needs root' }, () =>
  withHost((h) => {
    const file = h.path('etc/mdevctl.d/mdevctl.config.json');
    writeFileSync(file, '{}');
    chownSync(file, 0, 0);
    chmodSync(file, 0o644);
    assert.equal(mdevctl(h.root, 'list').status, 0);
    // A real ACL granting user 65534 write (set with python's setxattr when there is one; the
    // kernel then shows the ACL's mask in the group bits), else the bits alone.
    const acl = Buffer.alloc(4 + 5 * 8);
    acl.writeUInt32LE(2, 0);
    const entries: Array<[number, number, number]> = [[0x01, 6, 0xffffffff], [0x02, 6, 65534], [0x04, 4, 0xffffffff], [0x10, 6, 0xffffffff], [0x20, 4, 0xffffffff]];
    entries.forEach(([tag, perm, id], i) => {
      acl.writeUInt16LE(tag, 4 + i * 8);
      acl.writeUInt16LE(perm, 6 + i * 8);
      acl.writeUInt32LE(id, 8 + i * 8);
    });
    const py = spawnSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "system.posix_acl_access", bytes.fromhex(sys.argv[2]))', file, acl.toString('hex')]);
    if (py.status !== 0) chmodSync(file, 0o664);
    assert.equal(statSync(file).mode & 0o777, 0o664, 'the group bits show the write the ACL grants');
    const r = mdevctl(h.root, 'list');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: Refusing to load the configuration file .*mdevctl\.config\.json as root: .* is writable by group root or by the users and groups of its ACL/);
  }));

test('install-system-files: a dir linked out of the root is refused, a fifo in place of a file is refused at once, umask 077 still installs 0644/0755', () =>
  withHost((h) => {
    const outside = mkdtempSync(join(tmpdir(), 'mdevctl-outside-'));
    try {
      mkdirSync(h.path('usr/share'), { recursive: true });
      symlinkSync(outside, h.path('usr/share/man'));
      const linked = bounded(h.root, ['install-system-files']);
      assert.equal(linked.status, 1);
      assert.match(linked.stderr, new RegExp(`^Error: ${h.path('usr/share/man')} leads outside the environment root .*; not using it\\n$`));
      assert.deepEqual(readdirSync(outside), []);
      rmSync(h.path('usr/share/man'));

      mkdirSync(h.path('usr/share/man/man8'), { recursive: true });
      assert.equal(spawnSync('mkfifo', [h.path('usr/share/man/man8/mdevctl.8')]).status, 0);
      const fifo = bounded(h.root, ['install-system-files']);
      assert.equal(fifo.status, 1);
      assert.match(fifo.stderr, /^Error: Refusing to replace .*usr\/share\/man\/man8\/mdevctl\.8: it is not a regular file\n$/);
      rmSync(h.path('usr/share/man'), { recursive: true });

      const r = spawnSync('sh', ['-c', 'umask 077; exec "$NODE" "$BIN" install-system-files'], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MDEVCTL_ENV_ROOT: h.root, NODE: process.execPath, BIN: MDEVCTL_BIN },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(r.status, 0, r.stderr);
      for (const file of ['usr/share/man/man8/mdevctl.8', 'usr/share/man/man8/lsmdev.8', 'usr/share/bash-completion/completions/mdevctl', 'usr/lib/udev/rules.d/60-mdevctl.rules']) {
        assert.equal(statSync(h.path(file)).mode & 0o777, 0o644, file);
      }
      for (const dir of ['usr/share/man', 'usr/share/man/man8', 'usr/share/bash-completion', 'usr/share/bash-completion/completions', 'usr/lib/udev/rules.d']) {
        assert.equal(statSync(h.path(dir)).mode & 0o777, 0o755, dir);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }));

test('a full run dir or man dir (ENOSPC) is reported with the path', { skip: canMount ? false : 'needs root and unshare -m' }, () =>
  withHost((h) => {
    const r = inMountNamespace(
      h.root,
      `set -e
fill() { head -c 1000000 /dev/zero > "$1/.fill" 2>/dev/null || true; }
mkdir -p "$R/run/mdevctl" "$R/usr/share/man/man8"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$R/run/mdevctl"; fill "$R/run/mdevctl"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$R/usr/share/man/man8"; fill "$R/usr/share/man/man8"
set +e
"$NODE" "$BIN" define -u "$U" -p mtty -t mtty-1; echo "define=$?"
"$NODE" "$BIN" install-system-files >/dev/null; echo "install=$?"
`,
      { U },
    );
    assert.match(r.stdout, /^define=1$/m, r.stderr);
    assert.match(r.stdout, /^install=1$/m, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^Error: Unable to (take the lock|write the crash-recovery record) ${h.path('run/mdevctl')}/\\S+: `));
    assert.match(lines[1] ?? '', new RegExp(`^Error: Unable to install ${h.path('usr/share/man/man8')}/mdevctl\\.8: .*\\(os error 28\\)$`));
    assert.deepEqual(h.definitions('mtty'), []);
  }));
