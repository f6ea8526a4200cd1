// Black-box: `mdevctl define` — the file it writes (FACTS §3, SPEC §2), --jsonfile in both
// libvirt forms (SPEC §7), promotion of a running device, and every refusal: one line on
// stderr, nothing on stdout, nothing written anywhere under the root (SPEC §5).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mdevctl, runBin } from '../helpers/cli.js';
import { simHost } from '../helpers/sim-host.js';
import { withHost, ok, fails, tree, unchanged, config, runAsync } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const UUID_LINE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$/;

test('define -p -t -u writes exactly the file of FACTS §3 (no trailing newline), prints nothing', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1));
    assert.equal(
      h.read(`etc/mdevctl.d/mtty/${U1}`),
      '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}',
    );
    assert.deepEqual(h.definitions('mtty'), [U1]);
    assert.deepEqual(h.activeUuids(), [], 'define does not start');
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 manual\n`);
  });
});

test('define --auto (and -a, and the long option forms)', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '--auto'));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), '{\n  "mdev_type": "mtty-1",\n  "start": "auto",\n  "attrs": []\n}');
    ok(mdevctl(h.root, 'define', '--parent=mdpy', '--type=mdpy-vga', `--uuid=${U1}`, '-a'));
    assert.equal(h.read(`etc/mdevctl.d/mdpy/${U1}`), config('mdpy-vga', 'auto'));
  });
});

test('define without -u prints exactly the new uuid and a newline, and writes that file', () => {
  withHost((h) => {
    const r = mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, UUID_LINE);
    const uuid = r.stdout.trim();
    assert.deepEqual(h.definitions('mtty'), [uuid]);
    assert.equal(h.read(`etc/mdevctl.d/mtty/${uuid}`), config('mtty-1', 'manual'));
    // a second one gets another uuid
    const again = mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1');
    assert.match(again.stdout, UUID_LINE);
    assert.notEqual(again.stdout, r.stdout);
    assert.equal(h.definitions('mtty').length, 2);
  });
});

test('define of an existing definition is refused and the file is left as it was', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1));
    unchanged(h, () => {
      fails(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '--auto'), 1, `Error: Device ${U1} on mtty already defined\n`);
    });
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-1","start":"auto"}');
    unchanged(h, () => {
      fails(mdevctl(h.root, 'define', '-p', 'mtty', '-u', U1, '--jsonfile', h.path('dev.json')), 1);
    });
  });
});

test('the same uuid may be defined under two parents', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1));
    ok(mdevctl(h.root, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1));
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mdpy mdpy-vga manual\n${U1} mtty mtty-2 manual\n`);
  });
});

test('define does not require the parent or the type to exist (SPEC §8)', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'define', '-p', 'notyetthere', '-t', 'sometype', '-u', U1));
    assert.equal(h.read(`etc/mdevctl.d/notyetthere/${U1}`), config('sometype', 'manual'));
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-9', '-u', U1));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), config('mtty-9', 'manual'));
  });
});

test('define --jsonfile FILE: type, start and attributes (in order) from the file, stored pretty-printed', () => {
  withHost((h) => {
    const json =
      '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"5"},{"assign_domain":"0x47"},{"assign_domain":"0xff"}]}';
    writeFileSync(h.path('vfio_ap_device.json'), json);
    ok(mdevctl(h.root, 'define', '-p', 'matrix', '-u', U1, '--jsonfile', h.path('vfio_ap_device.json')));
    assert.equal(
      h.read(`etc/mdevctl.d/matrix/${U1}`),
      `{
  "mdev_type": "vfio_ap-passthrough",
  "start": "manual",
  "attrs": [
    {
      "assign_adapter": "5"
    },
    {
      "assign_domain": "0x47"
    },
    {
      "assign_domain": "0xff"
    }
  ]
}`,
    );
    // without -u: the new uuid on stdout, and nothing else
    const r = mdevctl(h.root, 'define', '-p', 'matrix', '--jsonfile', h.path('vfio_ap_device.json'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, UUID_LINE);
    assert.equal(h.read(`etc/mdevctl.d/matrix/${r.stdout.trim()}`), h.read(`etc/mdevctl.d/matrix/${U1}`));
  });
});

test("define --jsonfile: libvirt's form, compact config on stdin, attrs omitted (SPEC §7)", () => {
  withHost((h) => {
    const input = '{"mdev_type":"mtty-1","start":"auto"}';
    const r = runBin(h.root, ['define', '--parent=mtty', '--jsonfile=/dev/stdin'], { input });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, UUID_LINE, 'stdout carries only the uuid');
    const uuid = r.stdout.trim();
    assert.equal(h.read(`etc/mdevctl.d/mtty/${uuid}`), config('mtty-1', 'auto'));
    // with --uuid: nothing on stdout
    ok(runBin(h.root, ['define', '--parent=mdpy', '--jsonfile=/dev/stdin', `--uuid=${U1}`], { input }));
    assert.equal(h.read(`etc/mdevctl.d/mdpy/${U1}`), config('mtty-1', 'auto'));
    // older libvirt: short, space-separated options
    ok(runBin(h.root, ['define', '-p', 'mbochs', '-u', U2, '--jsonfile', '/dev/stdin'], {
      input: '{"mdev_type":"mbochs-small","start":"manual","attrs":[{"a":"1"},{"a":"2"}]}',
    }));
    assert.equal(h.read(`etc/mdevctl.d/mbochs/${U2}`), config('mbochs-small', 'manual', [['a', '1'], ['a', '2']]));
  });
});

test('define --jsonfile: "attrs": null or absent means no attributes; unknown keys are ignored', () => {
  withHost((h) => {
    ok(runBin(h.root, ['define', '-p', 'mtty', '-u', U1, '--jsonfile', '/dev/stdin'], { input: '{"mdev_type":"mtty-1","start":"manual","attrs":null}' }));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), config('mtty-1', 'manual'));
    ok(runBin(h.root, ['define', '-p', 'mdpy', '-u', U1, '--jsonfile', '/dev/stdin'], { input: '{"start":"auto","mdev_type":"mdpy-vga","comment":"x"}' }));
    assert.equal(h.read(`etc/mdevctl.d/mdpy/${U1}`), config('mdpy-vga', 'auto'));
  });
});

const MALFORMED: Array<[string, string, RegExp]> = [
  ['a JSON syntax error', '{"mdev_type": "mtty-1", "start": "manual",', /JSON/i],
  ['an empty file', '', /JSON/i],
  ['not an object', '["mtty-1", "manual"]', /object/i],
  ['attrs not an array', '{"mdev_type":"mtty-1","start":"manual","attrs":{"a":"1"}}', /attr/i],
  ['an attribute with two keys', '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":"1","b":"2"}]}', /attr/i],
  ['an attribute that is not an object', '{"mdev_type":"mtty-1","start":"manual","attrs":["a=1"]}', /attr/i],
  ['a non-string attribute value', '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":1}]}', /string/i],
  ['mdev_type missing', '{"start":"manual","attrs":[]}', /mdev_type/],
  ['mdev_type not a string', '{"mdev_type":7,"start":"manual"}', /mdev_type/],
  ['start missing', '{"mdev_type":"mtty-1","attrs":[]}', /start/],
  ['an mdev_type that is a path', '{"mdev_type":"../x","start":"manual"}', /mdev_type|\.\.\/x/],
  ['an attribute name that is a path', '{"mdev_type":"mtty-1","start":"manual","attrs":[{"../x":"1"}]}', /\.\.\/x/],
];

test('define --jsonfile: every malformed or wrong-shaped config is one line naming the problem, nothing written', () => {
  withHost((h) => {
    for (const [what, text, problem] of MALFORMED) {
      writeFileSync(h.path('bad.json'), text);
      unchanged(h, () => {
        const r = mdevctl(h.root, 'define', '-p', 'mtty', '-u', U1, '--jsonfile', h.path('bad.json'));
        fails(r, 1, problem);
      });
      unchanged(h, () => {
        const r = runBin(h.root, ['define', '--parent=mtty', '--jsonfile=/dev/stdin'], { input: text });
        fails(r, 1, problem);
      });
      assert.deepEqual(h.definitions('mtty'), [], what);
    }
  });
});

test('define --jsonfile of a file that does not exist: one line naming it, nothing written', () => {
  withHost((h) => {
    unchanged(h, () => {
      fails(mdevctl(h.root, 'define', '-p', 'mtty', '-u', U1, '--jsonfile', h.path('missing.json')), 1, /missing\.json/);
    });
  });
});

test('define -u of a running transient device promotes it: parent and type from sysfs', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2));
    ok(mdevctl(h.root, 'define', '-u', U2));
    assert.equal(h.read(`etc/mdevctl.d/mbochs/${U2}`), config('mbochs-small', 'manual'));
    ok(mdevctl(h.root, 'list', '-d'), `${U2} mbochs mbochs-small manual (active)\n`);
    ok(mdevctl(h.root, 'list'), `${U2} mbochs mbochs-small manual (defined)\n`);
    assert.deepEqual(h.activeUuids(), [U2], 'still running');
  });
});

test('define -u of a running device with attributes: without a get call-out the definition has none', () => {
  withHost((h) => {
    const input = '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"5"},{"assign_domain":"4"}]}';
    ok(runBin(h.root, ['start', '--parent=matrix', '--jsonfile=/dev/stdin', `--uuid=${U1}`], { input }));
    ok(mdevctl(h.root, 'define', '-u', U1));
    assert.equal(h.read(`etc/mdevctl.d/matrix/${U1}`), config('vfio_ap-passthrough', 'manual'));
  });
});

test('define -u of a running device with --auto stores auto', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1));
    ok(mdevctl(h.root, 'define', '-u', U1, '--auto'));
    assert.equal(h.read(`etc/mdevctl.d/mtty/${U1}`), config('mtty-2', 'auto'));
  });
});

test('define -u of a device that is not running, without -p: "No parent specified", nothing written', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1), 1, 'Error: No parent specified\n'));
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-u', U1, '-t', 'mtty-1'), 1));
  });
});

test('define -p without -t or --jsonfile (and not running) is refused, nothing written', () => {
  withHost((h) => {
    unchanged(h, () => {
      const r = mdevctl(h.root, 'define', '-p', 'mtty', '-u', U1);
      assert.notEqual(r.status, 0);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^(Error|error): [^\n]+\n$/);
    });
  });
});

test('define with an invalid uuid is a usage error (exit 2), nothing written', () => {
  withHost((h) => {
    for (const bad of ['not-a-uuid', '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0', `{${U1}}`, `${U1}0`, '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f0g', '']) {
      unchanged(h, () => fails(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', bad), 2));
    }
  });
});

test('define with an upper-case or 32-digit uuid stores it lower-case and hyphenated', () => {
  withHost((h) => {
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1.toUpperCase()));
    ok(mdevctl(h.root, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U2.replaceAll('-', '')));
    ok(mdevctl(h.root, 'define', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2.replaceAll('-', '').toUpperCase()));
    assert.deepEqual(h.definitions('mtty'), [U1]);
    assert.deepEqual(h.definitions('mdpy'), [U2]);
    assert.deepEqual(h.definitions('mbochs'), [U2]);
    // any 8-4-4-4-12 hex string, whatever its version/variant nibbles
    ok(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', '11111111-1111-0000-0000-000000000000'));
    // the same uuid in another case is the same definition
    fails(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1), 1, `Error: Device ${U1} on mtty already defined\n`);
  });
});

test('define with a parent or type that is not a single name: exit 2, nothing written anywhere in the root', () => {
  withHost((h) => {
    const cases: string[][] = [
      ['-p', '../x', '-t', 'mtty-1'],
      ['-p', 'a/b', '-t', 'mtty-1'],
      ['-p', '.', '-t', 'mtty-1'],
      ['-p', '..', '-t', 'mtty-1'],
      ['-p', '', '-t', 'mtty-1'],
      ['-p', '../../../tmp/evil', '-t', 'mtty-1'],
      ['-p', 'mtty', '-t', '../x'],
      ['-p', 'mtty', '-t', 'a/b'],
      ['-p', 'mtty', '-t', '..'],
    ];
    for (const args of cases) {
      unchanged(h, () => fails(mdevctl(h.root, 'define', ...args, '-u', U1), 2));
      unchanged(h, () => fails(mdevctl(h.root, 'define', ...args), 2));
    }
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-1","start":"manual"}');
    const json = tree(h.root);
    for (const parent of ['../x', 'a/b', '.', '..']) {
      fails(mdevctl(h.root, 'define', '-p', parent, '-u', U1, '--jsonfile', h.path('dev.json')), 2);
    }
    assert.deepEqual(tree(h.root), json);
  });
});

test('define --jsonfile with -t or --auto is a usage error (exit 2), nothing written', () => {
  withHost((h) => {
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-1","start":"manual"}');
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-p', 'mtty', '-u', U1, '--jsonfile', h.path('dev.json'), '-t', 'mtty-1'), 2));
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-p', 'mtty', '-u', U1, '--jsonfile', h.path('dev.json'), '--auto'), 2));
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-p', 'mtty', '--jsonfile', h.path('dev.json'), '-a'), 2));
  });
});

test('define with neither -u nor -p is a usage error (exit 2), nothing written', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'define'), 2));
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-t', 'mtty-1'), 2));
    unchanged(h, () => fails(mdevctl(h.root, 'define', '--auto'), 2));
  });
});

test('define with an unknown option or a stray argument is a usage error (exit 2)', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '--bogus'), 2));
    unchanged(h, () => fails(mdevctl(h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, 'extra'), 2));
  });
});

test('concurrent define of one uuid on one parent: exactly one succeeds (SPEC §5)', async () => {
  const h = simHost();
  try {
    const types = ['mtty-1', 'mtty-2', 'mtty-1', 'mtty-2', 'mtty-1', 'mtty-2', 'mtty-1', 'mtty-2'];
    const results = await Promise.all(types.map((t, i) => runAsync(h.root, ['define', '-p', 'mtty', '-t', t, '-u', U1, ...(i % 3 === 0 ? ['--auto'] : [])])));
    const won = results.filter((r) => r.status === 0);
    assert.equal(won.length, 1, results.map((r) => `${r.status} ${r.stderr.trim()}`).join('\n'));
    for (const r of results.filter((x) => x.status !== 0)) {
      assert.equal(r.stderr, `Error: Device ${U1} on mtty already defined\n`);
    }
    assert.deepEqual(h.definitions('mtty'), [U1]);
  } finally {
    h.cleanup();
  }
});
