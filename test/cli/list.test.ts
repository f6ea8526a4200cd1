// Black-box: `mdevctl list` and `lsmdev` — text lines with (defined)/(active), -v attributes,
// the --dumpjson hierarchy (FACTS §3), -u/-p filters, ordering, and a malformed definition
// that must not hide the others (SPEC §3, §5, §8).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LSMDEV_BIN, MDEVCTL_BIN, mdevctl, runBin, tempDir } from '../helpers/cli.js';
import { withHost, ok, run, configObject, pretty } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
const UA = '0a6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const UF = 'fa6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';

/** One line of stderr: an env_logger style warning that names `file`. */
function assertWarningNaming(stderr: string, file: string): void {
  const lines = stderr.split('\n');
  assert.equal(lines.length, 2, `one warning line expected, got: ${stderr}`);
  assert.equal(lines[1], '');
  assert.match(lines[0] ?? '', /^\[\S+ WARN {2}mdevctl\] /);
  assert.ok((lines[0] ?? '').includes(file), `the warning names ${file}: ${stderr}`);
}

test('list, list -d: nothing defined or running prints nothing (1.4), exit 0; --dumpjson prints []', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'list'), '');
    ok(mdevctl(h.root, 'list', '-d'), '');
    ok(mdevctl(h.root, 'list', '-v'), '');
    ok(mdevctl(h.root, 'list', '--dumpjson'), '[]\n');
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), '[]\n');
    ok(mdevctl(h.root, 'list', '--defined', '--dumpjson'), '[]\n');
  });
});

test('list: text lines, " (defined)" on the active listing and " (active)" on the defined one', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 manual\n`);
    ok(mdevctl(h.root, 'list'), '');
    run(h, 'start', '-u', U1);
    ok(mdevctl(h.root, 'list'), `${U1} mtty mtty-2 manual (defined)\n`);
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 manual (active)\n`);
    // -v without attributes: the same lines
    ok(mdevctl(h.root, 'list', '-v'), `${U1} mtty mtty-2 manual (defined)\n`);
    ok(mdevctl(h.root, 'list', '-d', '-v'), `${U1} mtty mtty-2 manual (active)\n`);
    // a transient device has no suffix; the start policy of an active device comes from its definition
    run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    run(h, 'modify', '-u', U1, '--auto');
    ok(mdevctl(h.root, 'list'), `${U2} mdpy mdpy-vga manual\n${U1} mtty mtty-2 auto (defined)\n`);
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 auto (active)\n`);
    run(h, 'stop', '-u', U1);
    ok(mdevctl(h.root, 'list'), `${U2} mdpy mdpy-vga manual\n`);
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 auto\n`);
  });
});

test('list -v: "  Attrs:" and "    @{i}: {"name":"value"}" lines, none for a device without attributes', () => {
  withHost((h) => {
    const json =
      '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"5"},{"assign_domain":"0x47"},{"assign_domain":"0xff"}]}';
    writeFileSync(h.path('ap.json'), json);
    run(h, 'define', '-p', 'matrix', '-u', U1, '--jsonfile', h.path('ap.json'));
    run(h, 'define', '-p', 'matrix', '-t', 'vfio_ap-passthrough', '-u', U2);
    const verbose =
      `${U1} matrix vfio_ap-passthrough manual\n` +
      '  Attrs:\n' +
      '    @{0}: {"assign_adapter":"5"}\n' +
      '    @{1}: {"assign_domain":"0x47"}\n' +
      '    @{2}: {"assign_domain":"0xff"}\n' +
      `${U2} matrix vfio_ap-passthrough manual\n`;
    ok(mdevctl(h.root, 'list', '-d', '-v'), verbose);
    ok(mdevctl(h.root, 'list', '-dv'), verbose);
    ok(mdevctl(h.root, 'list', '--defined', '--verbose'), verbose);
    ok(mdevctl(h.root, 'list', '-d'), `${U1} matrix vfio_ap-passthrough manual\n${U2} matrix vfio_ap-passthrough manual\n`);
  });
});

test('list of running devices shows them as sysfs has them: type from mdev_type, no attributes without a call-out (SPEC §8)', () => {
  withHost((h) => {
    writeFileSync(h.path('ap.json'), '{"mdev_type":"vfio_ap-passthrough","start":"auto","attrs":[{"assign_adapter":"5"},{"assign_domain":"4"}]}');
    run(h, 'define', '-p', 'matrix', '-u', U1, '--jsonfile', h.path('ap.json'));
    run(h, 'start', '-u', U1);
    ok(mdevctl(h.root, 'list', '-v'), `${U1} matrix vfio_ap-passthrough auto (defined)\n`);
    ok(mdevctl(h.root, 'list', '-u', U1, '--dumpjson'), `${JSON.stringify(configObject('vfio_ap-passthrough', 'auto'), null, 2)}\n`);
    // the definition keeps its attributes
    ok(
      mdevctl(h.root, 'list', '-d', '-v'),
      `${U1} matrix vfio_ap-passthrough auto (active)\n  Attrs:\n    @{0}: {"assign_adapter":"5"}\n    @{1}: {"assign_domain":"4"}\n`,
    );
    // a definition whose type differs from the running device: each listing shows its own
    run(h, 'start', '-p', 'mtty', '-t', 'mtty-2', '-u', U2);
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2, '--auto');
    ok(mdevctl(h.root, 'list', '-p', 'mtty'), `${U2} mtty mtty-2 auto (defined)\n`);
    ok(mdevctl(h.root, 'list', '-d', '-p', 'mtty'), `${U2} mtty mtty-1 auto\n`);
  });
});

const FACTS_JSON = (u: string) => `[
  {
    "mtty": [
      {
        "${u}": {
          "mdev_type": "mtty-2",
          "start": "manual",
          "attrs": []
        }
      }
    ]
  }
]
`;

test('list --dumpjson: the hierarchy exactly as FACTS §3, plus one trailing newline', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), FACTS_JSON(U1));
    ok(mdevctl(h.root, 'list', '--dumpjson'), '[]\n');
    run(h, 'start', '-u', U1);
    ok(mdevctl(h.root, 'list', '--dumpjson'), FACTS_JSON(U1));
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), FACTS_JSON(U1));
  });
});

test('list --dumpjson: several parents in one object, in name order, uuids sorted, attributes in order', () => {
  withHost((h) => {
    writeFileSync(h.path('a.json'), '{"mdev_type":"mdpy-xga","start":"auto","attrs":[{"z":"1"},{"a":"2"},{"z":"3"}]}');
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3);
    run(h, 'define', '-p', 'mdpy', '-u', U2, '--jsonfile', h.path('a.json'));
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1, '--auto');
    run(h, 'define', '-p', 'mbochs', '-t', 'mbochs-large', '-u', U4);
    const expected = pretty([
      {
        mbochs: [{ [U4]: configObject('mbochs-large', 'manual') }],
        mdpy: [{ [U2]: configObject('mdpy-xga', 'auto', [['z', '1'], ['a', '2'], ['z', '3']]) }],
        mtty: [{ [U1]: configObject('mtty-2', 'auto') }, { [U3]: configObject('mtty-1', 'manual') }],
      },
    ]);
    ok(mdevctl(h.root, 'list', '-d', '--dumpjson'), expected);
  });
});

test('list -u U --dumpjson with exactly one match prints just the config object', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2, '--auto');
    const one = '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}\n';
    ok(mdevctl(h.root, 'list', '-d', '-u', U1, '--dumpjson'), one);
    ok(mdevctl(h.root, 'list', '-d', '-u', U1.toUpperCase(), '--dumpjson'), one);
    ok(mdevctl(h.root, 'list', '-d', '-u', U2), `${U2} mtty mtty-1 auto\n`);
    // active listing, too
    run(h, 'start', '-u', U1);
    ok(mdevctl(h.root, 'list', '-u', U1, '--dumpjson'), one);
    ok(mdevctl(h.root, 'list', '-u', U1), `${U1} mtty mtty-2 manual (defined)\n`);
    // no match: [] / nothing
    ok(mdevctl(h.root, 'list', '-u', U3, '--dumpjson'), '[]\n');
    ok(mdevctl(h.root, 'list', '-d', '-u', U3, '--dumpjson'), '[]\n');
    ok(mdevctl(h.root, 'list', '-u', U3), '');
    ok(mdevctl(h.root, 'list', '-d', '-u', U3), '');
  });
});

test('list -d -u U with definitions under two parents prints the whole hierarchy', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1);
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    ok(
      mdevctl(h.root, 'list', '-d', '-u', U1, '--dumpjson'),
      pretty([{ mdpy: [{ [U1]: configObject('mdpy-vga', 'manual') }], mtty: [{ [U1]: configObject('mtty-2', 'manual') }] }]),
    );
    ok(mdevctl(h.root, 'list', '-d', '-u', U1), `${U1} mdpy mdpy-vga manual\n${U1} mtty mtty-2 manual\n`);
    // -u with -p narrows to one again
    ok(mdevctl(h.root, 'list', '-d', '-u', U1, '-p', 'mdpy', '--dumpjson'), `${JSON.stringify(configObject('mdpy-vga', 'manual'), null, 2)}\n`);
  });
});

test('list -p: only that parent (defined and active listings)', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
    run(h, 'start', '-u', U1);
    run(h, 'start', '-u', U2);
    run(h, 'start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U3);
    ok(mdevctl(h.root, 'list', '-d', '-p', 'mdpy'), `${U2} mdpy mdpy-vga manual (active)\n`);
    ok(mdevctl(h.root, 'list', '-p', 'mtty'), `${U1} mtty mtty-2 manual (defined)\n`);
    ok(mdevctl(h.root, 'list', '--parent=mbochs'), `${U3} mbochs mbochs-small manual\n`);
    ok(mdevctl(h.root, 'list', '-p', 'mbochs', '-d'), '');
    ok(mdevctl(h.root, 'list', '-p', 'nosuchparent'), '');
    ok(mdevctl(h.root, 'list', '-p', 'nosuchparent', '--dumpjson'), '[]\n');
    ok(mdevctl(h.root, 'list', '-d', '-p', 'mdpy', '--dumpjson'), pretty([{ mdpy: [{ [U2]: configObject('mdpy-vga', 'manual') }] }]));
  });
});

test('list: parents in name order, uuids sorted within a parent, whatever the order of creation', () => {
  withHost((h) => {
    const steps: Array<[string, string, string]> = [
      [UF, 'mtty', 'mtty-1'],
      [U2, 'mdpy', 'mdpy-vga'],
      [UA, 'mtty', 'mtty-2'],
      [U1, 'mbochs', 'mbochs-small'],
      [U4, 'mtty', 'mtty-1'],
      [U3, '0000:00:02.0', 'i915-GVTg_V5_8'],
      [UA, 'mdpy', 'mdpy-hd'],
    ];
    for (const [u, p, t] of steps) run(h, 'define', '-p', p, '-t', t, '-u', u);
    const lines = [
      `${U3} 0000:00:02.0 i915-GVTg_V5_8 manual`,
      `${U1} mbochs mbochs-small manual`,
      `${UA} mdpy mdpy-hd manual`,
      `${U2} mdpy mdpy-vga manual`,
      `${UA} mtty mtty-2 manual`,
      `${U4} mtty mtty-1 manual`,
      `${UF} mtty mtty-1 manual`,
    ];
    ok(mdevctl(h.root, 'list', '-d'), lines.map((l) => `${l}\n`).join(''));
    // the same order for running devices (UA runs on mtty only: a uuid is global)
    for (const [u, p] of steps.filter(([u, p]) => !(u === UA && p === 'mdpy'))) run(h, 'start', '-u', u, '-p', p);
    ok(
      mdevctl(h.root, 'list'),
      lines
        .filter((l) => !l.includes(' mdpy-hd '))
        .map((l) => `${l} (defined)\n`)
        .join(''),
    );
    const parents = JSON.parse(mdevctl(h.root, 'list', '-d', '--dumpjson').stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(parents[0] ?? {}), ['0000:00:02.0', 'mbochs', 'mdpy', 'mtty']);
  });
});

test('list: a malformed definition file is a warning naming it; the others are still listed, exit 0', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3);
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U4);
    const bad = h.path(`etc/mdevctl.d/mtty/${U2}`);
    writeFileSync(bad, '{"mdev_type": "mtty-1", "start": ');
    const text = mdevctl(h.root, 'list', '-d');
    assert.equal(text.status, 0);
    assert.equal(text.stdout, `${U4} mdpy mdpy-vga manual\n${U1} mtty mtty-2 manual\n${U3} mtty mtty-1 manual\n`);
    assertWarningNaming(text.stderr, bad);
    const json = mdevctl(h.root, 'list', '-d', '--dumpjson');
    assert.equal(json.status, 0);
    assert.equal(
      json.stdout,
      pretty([{ mdpy: [{ [U4]: configObject('mdpy-vga', 'manual') }], mtty: [{ [U1]: configObject('mtty-2', 'manual') }, { [U3]: configObject('mtty-1', 'manual') }] }]),
    );
    assertWarningNaming(json.stderr, bad);
    // wrong shape rather than bad syntax: the same
    writeFileSync(bad, '{"mdev_type":"mtty-1","start":"manual","attrs":{"a":"1"}}');
    const shaped = mdevctl(h.root, 'list', '-d');
    assert.equal(shaped.status, 0);
    assert.equal(shaped.stdout, text.stdout);
    assertWarningNaming(shaped.stderr, bad);
  });
});

test('lsmdev prints the same as mdevctl list for the same options', () => {
  withHost((h) => {
    writeFileSync(h.path('a.json'), '{"mdev_type":"mdpy-xga","start":"auto","attrs":[{"z":"1"}]}');
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'define', '-p', 'mdpy', '-u', U2, '--jsonfile', h.path('a.json'));
    run(h, 'start', '-u', U1);
    run(h, 'start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U3);
    const optionSets = [
      [],
      ['-d'],
      ['-v'],
      ['-d', '-v'],
      ['-dv'],
      ['--dumpjson'],
      ['-d', '--dumpjson'],
      ['-u', U1],
      ['-u', U1, '--dumpjson'],
      ['-d', '-u', U2, '--dumpjson'],
      ['-p', 'mtty'],
      ['-d', '-p', 'mdpy', '-v'],
    ];
    for (const opts of optionSets) {
      const want = mdevctl(h.root, 'list', ...opts);
      assert.equal(want.status, 0, `mdevctl list ${opts.join(' ')}: ${want.stderr}`);
      assert.deepEqual(runBin(h.root, opts, { bin: LSMDEV_BIN }), want, `lsmdev ${opts.join(' ')}`);
    }
    assert.notEqual(mdevctl(h.root, 'list').stdout, '', 'the comparison is not between empty outputs');
  });
});

test('core/bin/mdevctl.js run through a symlink named lsmdev behaves as lsmdev', () => {
  withHost((h) => {
    const { dir, cleanup } = tempDir('mdevctl-lsmdev-link-');
    try {
      mkdirSync(join(dir, 'bin'));
      const link = join(dir, 'bin', 'lsmdev');
      symlinkSync(MDEVCTL_BIN, link);
      run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
      run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2);
      for (const opts of [[], ['-d'], ['--dumpjson'], ['-d', '-v', '--dumpjson']]) {
        const want = mdevctl(h.root, 'list', ...opts);
        assert.deepEqual(runBin(h.root, opts, { bin: link }), want, `lsmdev ${opts.join(' ')}`);
      }
      // as lsmdev, "list" is not a command name
      const r = runBin(h.root, ['list'], { bin: link });
      assert.equal(r.status, 2, r.stderr);
    } finally {
      cleanup();
    }
  });
});

test('list with an invalid uuid or an unsafe parent is a usage error (exit 2)', () => {
  withHost((h) => {
    for (const args of [['-u', 'nope'], ['-p', '../x'], ['-p', 'a/b'], ['--bogus']]) {
      const r = mdevctl(h.root, 'list', ...args);
      assert.deepEqual({ status: r.status, stdout: r.stdout }, { status: 2, stdout: '' }, r.stderr);
      assert.match(r.stderr, /^error: [^\n]+\n$/);
    }
  });
});
