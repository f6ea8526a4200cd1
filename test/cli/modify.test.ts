// Black-box: `mdevctl modify` — start policy, type, attribute insert/delete by index, --jsonfile,
// --live, and the refusals that must leave the definition byte-identical (SPEC §3, §7, §8).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { mdevctl, runBin } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { withHost, ok, run, fails, unchanged, config, runAsync } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const FILE = `etc/mdevctl.d/mtty/${U1}`;

/** A host with U1 defined on mtty as mtty-1, manual. */
function withDefined(fn: (h: SimHost) => void): void {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    fn(h);
  });
}

test('modify --auto / --manual (and -a / -m) change only the start policy', () => {
  withDefined((h) => {
    run(h, 'modify', '-u', U1, '--auto');
    assert.equal(h.read(FILE), '{\n  "mdev_type": "mtty-1",\n  "start": "auto",\n  "attrs": []\n}');
    run(h, 'modify', '-u', U1, '--manual');
    assert.equal(h.read(FILE), config('mtty-1', 'manual'));
    run(h, 'modify', '--uuid', U1, '-a');
    assert.equal(h.read(FILE), config('mtty-1', 'auto'));
    run(h, 'modify', `--uuid=${U1}`, '-m');
    assert.equal(h.read(FILE), config('mtty-1', 'manual'));
  });
});

test('modify -t changes the type', () => {
  withDefined((h) => {
    run(h, 'modify', '-u', U1, '--auto');
    run(h, 'modify', '-u', U1, '-t', 'mtty-2');
    assert.equal(h.read(FILE), config('mtty-2', 'auto'));
    run(h, 'modify', '-u', U1, '--type=mtty-1');
    assert.equal(h.read(FILE), config('mtty-1', 'auto'));
  });
});

test('modify --addattr/--value appends; with --index inserts there', () => {
  withDefined((h) => {
    run(h, 'modify', '-u', U1, '--addattr', 'a', '--value', '1');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['a', '1']]));
    run(h, 'modify', '-u', U1, '--addattr=b', '--value=2');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['a', '1'], ['b', '2']]));
    run(h, 'modify', '-u', U1, '--addattr', 'c', '--value', '3', '--index', '0');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['c', '3'], ['a', '1'], ['b', '2']]));
    run(h, 'modify', '-u', U1, '--addattr', 'd', '--value', '4', '-i', '2');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['c', '3'], ['a', '1'], ['d', '4'], ['b', '2']]));
    // index = length appends
    run(h, 'modify', '-u', U1, '--addattr', 'a', '--value', 'again', '--index=4');
    assert.equal(
      h.read(FILE),
      config('mtty-1', 'manual', [['c', '3'], ['a', '1'], ['d', '4'], ['b', '2'], ['a', 'again']]),
    );
    // values are kept as given (spaces, quotes, empty)
    run(h, 'modify', '-u', U1, '--addattr', 'e', '--value', '');
    run(h, 'modify', '-u', U1, '--addattr', 'f', '--value', 'x "y" z');
    const attrs = (JSON.parse(h.read(FILE)) as { attrs: Array<Record<string, string>> }).attrs;
    assert.deepEqual(attrs.slice(5), [{ e: '' }, { f: 'x "y" z' }]);
  });
});

test('modify --delattr removes the last attribute; with --index that one', () => {
  withDefined((h) => {
    for (const [n, v] of [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]) run(h, 'modify', '-u', U1, '--addattr', n!, '--value', v!);
    run(h, 'modify', '-u', U1, '--delattr');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['a', '1'], ['b', '2'], ['c', '3']]));
    run(h, 'modify', '-u', U1, '--delattr', '--index', '0');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['b', '2'], ['c', '3']]));
    run(h, 'modify', '-u', U1, '--delattr', '--index=1');
    assert.equal(h.read(FILE), config('mtty-1', 'manual', [['b', '2']]));
    run(h, 'modify', '-u', U1, '--delattr', '-i', '0');
    assert.equal(h.read(FILE), config('mtty-1', 'manual'));
  });
});

test('modify with a bad index: exit 1, the message lists the current attributes, the file is byte-identical', () => {
  withDefined((h) => {
    run(h, 'modify', '-u', U1, '--addattr', 'a', '--value', '1');
    run(h, 'modify', '-u', U1, '--addattr', 'b', '--value', '2');
    for (const args of [
      ['--delattr', '--index', '2'], // = number of attrs: 1.2.0 panicked here
      ['--delattr', '--index', '5'],
      ['--addattr', 'c', '--value', '3', '--index', '3'],
    ]) {
      unchanged(h, () => {
        const r = mdevctl(h.root, 'modify', '-u', U1, ...args);
        fails(r, 1);
        assert.ok(r.stderr.includes('@{0}: {"a":"1"}') && r.stderr.includes('@{1}: {"b":"2"}'), `lists the attributes: ${r.stderr}`);
      });
    }
  });
});

test('modify --delattr of a definition without attributes: exit 0, nothing changes, the file is not rewritten (SPEC §8)', () => {
  withDefined((h) => {
    const file = h.path(`etc/mdevctl.d/mtty/${U1}`);
    const before = statSync(file);
    unchanged(h, () => ok(mdevctl(h.root, 'modify', '-u', U1, '--delattr'), ''));
    const after = statSync(file);
    assert.equal(after.ino, before.ino, 'the file was replaced');
    assert.equal(after.mtimeMs, before.mtimeMs, 'the file was rewritten');
    // an index is still checked: there is no attribute 0
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--delattr', '--index', '0'), 1));
  });
});

test('bare `modify -u U` (nothing to change) is a usage error (exit 2); the file is not rewritten', () => {
  withDefined((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1), 2));
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '-p', 'mtty'), 2));
  });
});

test('modify option misuse is a usage error (exit 2), nothing written', () => {
  withDefined((h) => {
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-2","start":"auto"}');
    const cases: string[][] = [
      [], // nothing at all
      ['--auto'], // no uuid
      ['-u', 'not-a-uuid', '--auto'],
      ['-u', U1, '--auto', '--manual'],
      ['-u', U1, '--addattr', 'a'], // no value
      ['-u', U1, '--value', '1'], // no addattr
      ['-u', U1, '--addattr', 'a', '--value', '1', '--delattr'],
      ['-u', U1, '--delattr', '--index', '-1'],
      ['-u', U1, '--delattr', '--index', 'one'],
      ['-u', U1, '--addattr', '../x', '--value', '1'],
      ['-u', U1, '--addattr', 'a/b', '--value', '1'],
      ['-u', U1, '-p', '../x', '--auto'],
      ['-u', U1, '-t', '../x'],
      ['-u', U1, '--jsonfile', h.path('dev.json'), '--auto'],
      ['-u', U1, '--jsonfile', h.path('dev.json'), '-t', 'mtty-2'],
      ['-u', U1, '--jsonfile', h.path('dev.json'), '--addattr', 'a', '--value', '1'],
      ['-u', U1, '--live', '--auto'], // --live needs --jsonfile
      ['-u', U1, '--live'],
      ['-u', U1, '--bogus'],
    ];
    for (const args of cases) unchanged(h, () => fails(mdevctl(h.root, 'modify', ...args), 2));
  });
});

test('modify --jsonfile replaces type, start and attributes', () => {
  withDefined((h) => {
    run(h, 'modify', '-u', U1, '--addattr', 'old', '--value', 'x');
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-2","start":"auto","attrs":[{"n":"1"},{"m":"2"}]}');
    run(h, 'modify', '-u', U1, '--jsonfile', h.path('dev.json'));
    assert.equal(h.read(FILE), config('mtty-2', 'auto', [['n', '1'], ['m', '2']]));
    // libvirt's form, attrs omitted: the attributes are gone
    ok(runBin(h.root, ['modify', '--parent=mtty', '--jsonfile=/dev/stdin', `--uuid=${U1}`], {
      input: '{"mdev_type":"mtty-1","start":"manual"}',
    }));
    assert.equal(h.read(FILE), config('mtty-1', 'manual'));
    // a malformed file changes nothing
    writeFileSync(h.path('bad.json'), '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":1}]}');
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--jsonfile', h.path('bad.json')), 1));
  });
});

test('modify of a uuid that is not defined: exit 1, nothing written', () => {
  withDefined((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U2, '--auto'), 1));
    // defined, but not under that parent
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '-p', 'mdpy', '--auto'), 1));
    // a running transient device is not a definition either
    run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U2, '--auto'), 1));
  });
});

test('modify of a uuid defined under two parents needs -p', () => {
  withDefined((h) => {
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--auto'), 1));
    run(h, 'modify', '-u', U1, '-p', 'mdpy', '--auto');
    assert.equal(h.read(`etc/mdevctl.d/mdpy/${U1}`), config('mdpy-vga', 'auto'));
    assert.equal(h.read(FILE), config('mtty-1', 'manual'));
  });
});

test('modify of a running device changes only its definition (the device keeps running)', () => {
  withDefined((h) => {
    run(h, 'start', '-u', U1);
    run(h, 'modify', '-u', U1, '--auto');
    assert.deepEqual(h.activeUuids(), [U1]);
    assert.equal(h.read(FILE), config('mtty-1', 'auto'));
  });
});

test('several changes at once are accepted (SPEC §8)', () => {
  withDefined((h) => {
    run(h, 'modify', '-u', U1, '--auto', '--addattr', 'a', '--value', '1', '-t', 'mtty-2');
    assert.equal(h.read(FILE), config('mtty-2', 'auto', [['a', '1']]));
  });
});

test('modify --live --jsonfile of a device that is not running: exit 1, nothing written', () => {
  withDefined((h) => {
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":"1"}]}');
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--live', '--jsonfile', h.path('dev.json')), 1));
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--live', '--defined', '--jsonfile', h.path('dev.json')), 1));
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U2, '-l', '--jsonfile', h.path('dev.json')), 1));
  });
});

test('modify --live --jsonfile of a running device with no call-out script: exit 1 (no live support), nothing written', () => {
  withDefined((h) => {
    run(h, 'start', '-u', U1);
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":"1"}]}');
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--live', '--jsonfile', h.path('dev.json')), 1));
    unchanged(h, () => fails(mdevctl(h.root, 'modify', '-u', U1, '--live', '--defined', '--jsonfile', h.path('dev.json')), 1));
    unchanged(h, () => {
      const r = runBin(h.root, ['modify', '--parent=mtty', '--jsonfile=/dev/stdin', `--uuid=${U1}`, '--defined', '--live'], {
        input: '{"mdev_type":"mtty-1","start":"manual"}',
      });
      fails(r, 1);
    });
    assert.deepEqual(h.activeUuids(), [U1]);
  });
});

test("libvirt's probe `modify --defined --live --jsonfile b --help` exits 0 and touches nothing (SPEC §7)", () => {
  withHost((h) => {
    unchanged(h, () => {
      const r = mdevctl(h.root, 'modify', '--defined', '--live', '--jsonfile', 'b', '--help');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.notEqual(r.stdout, '');
    });
  });
});

test('concurrent modify --addattr of one definition: no change is lost (definitions are locked, SPEC §5)', async () => {
  const h = simHost();
  try {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    const n = 12;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => runAsync(h.root, ['modify', '-u', U1, '--addattr', `a${i}`, '--value', String(i)])),
    );
    for (const r of results) assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
    const attrs = (JSON.parse(h.read(FILE)) as { attrs: Array<Record<string, string>> }).attrs;
    assert.deepEqual(
      attrs.map((a) => Object.keys(a)[0]).sort(),
      Array.from({ length: n }, (_, i) => `a${i}`).sort(),
      'every attribute added by a concurrent modify is there',
    );
  } finally {
    h.cleanup();
  }
});
