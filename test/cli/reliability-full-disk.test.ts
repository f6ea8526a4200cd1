// Issue 15, item 2: no short writes. On a nearly full file system write(2) takes part of a
// buffer and then fails with ENOSPC; a definition written with one unchecked write was stored as
// its first 4096 bytes, renamed over the good file, and the command exited 0. Here a real tmpfs
// of 64 KiB is mounted over etc/mdevctl.d (and one over the man page dir) inside `unshare -m`,
// so the mount exists only for that shell and leaves nothing on the machine; it is filled up to
// one free page and a change that needs more is made. It must fail with one line, leave the
// previous file byte-identical and leave no temp file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MDEVCTL_BIN } from '../helpers/cli.js';
import { simHost } from '../helpers/sim-host.js';

const U = '5a4e3c2b-1d0f-4e8a-9b7c-6d5e4f3a2b01';
const canMount = process.geteuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

/** Runs `script` (sh) in a private mount namespace with R, BIN and U set; its stdout. */
function inNamespace(root: string, script: string): string {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `set -e\n${script}`], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', R: root, MDEVCTL_ENV_ROOT: root, BIN: MDEVCTL_BIN, NODE: process.execPath, U },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  assert.equal(r.status, 0, `namespace script: ${r.stderr}`);
  return r.stdout;
}

/** Mounts a 64 KiB tmpfs on $1 and fills it up to one free page. */
const FILL = `
fill() { head -c 1000000 /dev/zero > "$1/.fill" 2>/dev/null || true; s=$(stat -c %s "$1/.fill"); truncate -s $((s - 4096)) "$1/.fill"; }
small() { mount -t tmpfs -o size=64k,mode=0755 tmpfs "$1"; }
`;

test('a definition that does not fit: the command fails in one line, the previous file is byte-identical, no temp file', { skip: canMount ? false : 'needs root and unshare -m' }, () => {
  const h = simHost();
  try {
    const out = inNamespace(
      h.root,
      `${FILL}
D="$R/etc/mdevctl.d"; small "$D"; mkdir "$D/mtty"
"$NODE" "$BIN" define -u "$U" -p mtty -t mtty-1
before=$(od -An -c "$D/mtty/$U" | tr -d ' \\n'); fill "$D"
set +e
"$NODE" "$BIN" modify -u "$U" --addattr big --value "$(head -c 9000 /dev/zero | tr '\\0' x)" 2>"$D/../modify.err"; rc=$?
set -e
after=$(od -An -c "$D/mtty/$U" | tr -d ' \\n')
echo "rc=$rc"; [ "$before" = "$after" ] && echo same || echo changed
echo "entries=$(ls -A "$D/mtty" | tr '\\n' ' ')"
echo "err=$(cat "$D/../modify.err")"
`,
    );
    assert.match(out, /^rc=1$/m, out);
    assert.match(out, /^same$/m, 'the previous definition is byte-identical');
    assert.match(out, new RegExp(`^entries=${U} $`, 'm'), 'no temp file left');
    assert.match(out, new RegExp(`^err=Error: Failed to write config for device ${U} to \\S+: No space left on device \\(os error 28\\)$`, 'm'));
  } finally {
    h.cleanup();
  }
});

test('install-system-files on a full disk fails and leaves the installed file as it was, with no temp file', { skip: canMount ? false : 'needs root and unshare -m' }, () => {
  const h = simHost();
  try {
    const out = inNamespace(
      h.root,
      `${FILL}
M="$R/usr/share/man/man8"; mkdir -p "$M"; small "$M"; printf 'old page\\n' > "$M/mdevctl.8"; fill "$M"
set +e
"$NODE" "$BIN" install-system-files >/dev/null 2>"$M/../err"; rc=$?
set -e
echo "rc=$rc"; echo "page=$(cat "$M/mdevctl.8")"; echo "entries=$(ls -A "$M" | tr '\\n' ' ')"
`,
    );
    assert.match(out, /^rc=1$/m, out);
    assert.match(out, /^page=old page$/m);
    assert.match(out, /^entries=\.fill mdevctl\.8 $/m);
  } finally {
    h.cleanup();
  }
});
