// Black-box: `mdevctl start` and `stop` on the simulated kernel — defined and transient devices,
// attributes written in order (vfio-ap's matrix), every refusal checked before anything is
// written, and a failed attribute that must not leave the device running (SPEC §3, §5).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync, writeFileSync } from 'node:fs';
import { mdevctl, runBin } from '../helpers/cli.js';
import { simHost, type SimHost } from '../helpers/sim-host.js';
import { withHost, ok, run, fails, tree, unchanged, runAsync } from '../helpers/expect.js';

const U1 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f01';
const U2 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f02';
const U3 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f03';
const U4 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f04';
const U5 = '5b6ee1c2-3a8e-4f7c-9c67-0d1c2b3a4f05';
const UUID_LINE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$/;
const CCW = '0.0.0313';

/** The host's masks: bit i (from the left) set = adapter/domain i still owned by the host. */
function releasedToVfioAp(h: SimHost, mask: 'apmask' | 'aqmask'): number[] {
  const hex = h.read(`sys/bus/ap/${mask}`).trim().replace(/^0x/, '');
  const out: number[] = [];
  for (let i = 0; i < hex.length * 4; i++) {
    const nibble = parseInt(hex[Math.floor(i / 4)] ?? '0', 16);
    if ((nibble & (0x8 >> i % 4)) === 0) out.push(i);
  }
  return out;
}

test('start of a definition: the device appears, list shows (defined), list -d (active), an instance is used', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    assert.equal(h.available('mtty', 'mtty-2'), 12);
    run(h, 'start', '-u', U1);
    assert.deepEqual(h.activeUuids(), [U1]);
    assert.ok(h.exists(`sys/bus/mdev/devices/${U1}/mdev_type`));
    assert.equal(readlinkSync(h.path(`sys/bus/mdev/devices/${U1}/mdev_type`)), '../mdev_supported_types/mtty-2');
    assert.equal(h.available('mtty', 'mtty-2'), 11);
    assert.equal(h.available('mtty', 'mtty-1'), 22);
    ok(mdevctl(h.root, 'list'), `${U1} mtty mtty-2 manual (defined)\n`);
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 manual (active)\n`);
  });
});

test('start of a device that is already running: "Device U already exists" (start -u: "it is running"), nothing changes', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'start', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1), 1, `Error: Device ${U1} already exists: it is running\n`));
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-2', '-u', U1), 1, `Error: Device ${U1} already exists\n`));
    // running, not defined
    run(h, 'start', '-p', 'mtty', '-t', 'mtty-1', '-u', U2);
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U2), 1, `Error: Device ${U2} already exists: it is running (and not defined)\n`));
    // the same uuid with another type or under another parent: still refused
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1), 1));
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1), 1));
  });
});

test('start -p -t: a transient device; the generated uuid is printed, nothing is defined', () => {
  withHost((h) => {
    const r = mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-vga');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, UUID_LINE);
    const uuid = r.stdout.trim();
    assert.deepEqual(h.activeUuids(), [uuid]);
    assert.deepEqual(h.definitions('mdpy'), []);
    ok(mdevctl(h.root, 'list'), `${uuid} mdpy mdpy-vga manual\n`);
    ok(mdevctl(h.root, 'list', '-d'), '');
  });
});

test('start -p -t -u: a transient device with that uuid, nothing printed', () => {
  withHost((h) => {
    run(h, 'start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2);
    ok(runBin(h.root, ['start', '--parent=mtty', '--type=mtty-1', `--uuid=${U3.toUpperCase()}`]));
    assert.deepEqual(h.activeUuids(), [U2, U3]);
    ok(mdevctl(h.root, 'list'), `${U2} mbochs mbochs-small manual\n${U3} mtty mtty-1 manual\n`);
  });
});

test('start --jsonfile on the vfio-ap matrix: attributes written in order after create', () => {
  withHost((h) => {
    const adapters = releasedToVfioAp(h, 'apmask');
    const domains = releasedToVfioAp(h, 'aqmask');
    assert.ok(adapters.includes(5) && domains.includes(4) && domains.includes(0x47), `released: ${adapters} / ${domains}`);
    // in order: assign 4 and 0x47, then unassign 4 again → only 05.0047 remains
    const config = JSON.stringify({
      mdev_type: 'vfio_ap-passthrough',
      start: 'manual',
      attrs: [
        { assign_adapter: '5' },
        { assign_domain: '4' },
        { assign_domain: '0x47' },
        { unassign_domain: '4' },
        { assign_control_domain: '0xab' },
      ],
    });
    const r = runBin(h.root, ['start', '--parent=matrix', '--jsonfile=/dev/stdin'], { input: config });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, UUID_LINE);
    const uuid = r.stdout.trim();
    assert.equal(h.read(`sys/bus/mdev/devices/${uuid}/matrix`), '05.0047\n');
    assert.equal(h.read(`sys/bus/mdev/devices/${uuid}/control_domains`), '00ab\n');
    assert.deepEqual(h.definitions('matrix'), [], 'a transient device is not defined');
    // from a file, with -u
    writeFileSync(
      h.path('ap.json'),
      '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"6"},{"assign_domain":"4"}]}',
    );
    run(h, 'start', '-p', 'matrix', '-u', U1, '--jsonfile', h.path('ap.json'));
    assert.equal(h.read(`sys/bus/mdev/devices/${U1}/matrix`), '06.0004\n');
  });
});

test('start of a defined vfio-ap device writes its attributes in order', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'matrix', '-t', 'vfio_ap-passthrough', '-u', U1);
    run(h, 'modify', '-u', U1, '--addattr', 'assign_adapter', '--value', '5');
    run(h, 'modify', '-u', U1, '--addattr', 'assign_domain', '--value', '4');
    run(h, 'modify', '-u', U1, '--addattr', 'assign_domain', '--value', '0xff');
    run(h, 'start', '-u', U1);
    assert.equal(h.read(`sys/bus/mdev/devices/${U1}/matrix`), '05.0004\n05.00ff\n');
  });
});

test('start on an unknown parent: "Unable to find parent device", nothing written', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'x', '-t', 'mtty-1'), 1, "Error: Unable to find parent device 'x'\n"));
    unchanged(h, () =>
      fails(mdevctl(h.root, 'start', '-p', 'nosuchparent', '-t', 'mtty-1', '-u', U1), 1, "Error: Unable to find parent device 'nosuchparent'\n"),
    );
  });
});

test('start -p MTTY: hints the right capitalisation', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'MTTY', '-t', 'mtty-1', '-u', U1), 1, /Did you mean 'mtty'\?/));
  });
});

test('start of a type the parent does not support, nothing written', () => {
  withHost((h) => {
    unchanged(h, () =>
      fails(mdevctl(h.root, 'start', '-p', 'mtty', '-t', 'mtty-9', '-u', U1), 1, 'Error: Parent mtty does not support mdev type mtty-9\n'),
    );
    // a definition of such a type (define does not check) fails the same way at start
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-9', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1), 1, 'Error: Parent mtty does not support mdev type mtty-9\n'));
  });
});

test('start when the pool is exhausted: "No available instances of …", nothing written', () => {
  withHost((h) => {
    for (const u of [U1, U2, U3, U4]) run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', u);
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U5), 1, 'Error: No available instances of mdpy-vga on mdpy\n'));
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-p', 'mdpy', '-t', 'mdpy-hd'), 1, 'Error: No available instances of mdpy-hd on mdpy\n'));
    run(h, 'stop', '-u', U2);
    run(h, 'start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U5);
  });
});

test('start on the vfio-ccw subchannel: one instance only', () => {
  withHost((h) => {
    assert.equal(h.available(CCW, 'vfio_ccw-io'), 1);
    run(h, 'start', '-p', CCW, '-t', 'vfio_ccw-io', '-u', U1);
    assert.equal(h.available(CCW, 'vfio_ccw-io'), 0);
    // core's check, and the vfio-ccw plugin's naming the device that holds the subchannel
    unchanged(h, () =>
      assert.deepEqual(mdevctl(h.root, 'start', '-p', CCW, '-t', 'vfio_ccw-io', '-u', U2), {
        status: 1,
        stdout: '',
        stderr: `Error: No available instances of vfio_ccw-io on ${CCW}\nError: Subchannel ${CCW} is in use by running device ${U1}; a subchannel takes one mediated device\n`,
      }),
    );
    ok(mdevctl(h.root, 'list'), `${U1} ${CCW} vfio_ccw-io manual\n`);
  });
});

test('start of a definition with an attribute the device does not have: error naming it, the device is not left running', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'modify', '-u', U1, '--addattr', 'foo', '--value', 'bar');
    const sysBefore = tree(h.path('sys'));
    fails(mdevctl(h.root, 'start', '-u', U1), 1, "Error: Invalid attribute 'foo'\n");
    assert.deepEqual(h.activeUuids(), []);
    assert.equal(h.available('mtty', 'mtty-2'), 12);
    assert.deepEqual(tree(h.path('sys')), sysBefore, 'sysfs is as before');
    ok(mdevctl(h.root, 'list'), '');
  });
});

test('start whose attribute the kernel refuses: error naming the attribute, the device is stopped again', () => {
  withHost((h) => {
    const ownedAdapter = [...Array(256).keys()].find((a) => !releasedToVfioAp(h, 'apmask').includes(a)) ?? 0;
    const ownedDomain = [...Array(256).keys()].find((d) => !releasedToVfioAp(h, 'aqmask').includes(d)) ?? 0;
    const refused: Array<Array<Record<string, string>>> = [
      // not a number: EINVAL
      [{ assign_adapter: '5' }, { assign_domain: 'four' }],
      // an APQN the host's default drivers still own: EADDRNOTAVAIL
      [{ assign_adapter: String(ownedAdapter) }, { assign_domain: String(ownedDomain) }],
    ];
    // The vfio-ap plugin refuses both before create; without it the kernel's refusal is what core handles.
    const noApPlugin = h.path('no-vfio-ap.json');
    writeFileSync(noApPlugin, JSON.stringify({ plugins: { 'vfio-ap': false } }));
    for (const attrs of refused) {
      const config = JSON.stringify({ mdev_type: 'vfio_ap-passthrough', start: 'manual', attrs });
      const sysBefore = tree(h.path('sys'));
      const r = runBin(h.root, ['start', '--parent=matrix', '--jsonfile=/dev/stdin', `--uuid=${U1}`], {
        input: config,
        env: { MDEVCTL_CONFIG: noApPlugin },
      });
      fails(r, 1, /assign_domain/);
      assert.deepEqual(h.activeUuids(), []);
      assert.deepEqual(tree(h.path('sys')), sysBefore, 'sysfs is as before');
    }
  });
});

test('start -u U -t other-type of a definition is refused, nothing started', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1, '-p', 'mtty', '-t', 'mtty-1'), 1));
    // the same type is fine
    run(h, 'start', '-u', U1, '-p', 'mtty', '-t', 'mtty-2');
    assert.deepEqual(h.activeUuids(), [U1]);
  });
});

test('a uuid defined under two parents: start without -p is refused, with -p starts that one', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1);
    run(h, 'define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1), 1));
    run(h, 'start', '-u', U1, '-p', 'mdpy');
    ok(mdevctl(h.root, 'list'), `${U1} mdpy mdpy-vga manual (defined)\n`);
    assert.equal(h.available('mdpy', 'mdpy-vga'), 3);
    assert.equal(h.available('mtty', 'mtty-1'), 24);
  });
});

test('start of a uuid that is neither defined nor given a parent and type is refused, nothing written', () => {
  withHost((h) => {
    const hint = 'to start it as a transient device, give its parent and type (-p PARENT -t TYPE)';
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1), 1, `Error: Device ${U1} is neither defined nor running; ${hint}\n`));
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1, '-t', 'mtty-1'), 1));
    unchanged(h, () => fails(mdevctl(h.root, 'start', '-u', U1, '-p', 'mtty'), 1, `Error: Device ${U1} is neither defined on parent mtty nor running; ${hint}\n`));
  });
});

test('start usage errors (exit 2), nothing written', () => {
  withHost((h) => {
    writeFileSync(h.path('dev.json'), '{"mdev_type":"mtty-1","start":"manual"}');
    for (const args of [
      [],
      ['-t', 'mtty-1'],
      ['-u', 'not-a-uuid'],
      ['-p', '../x', '-t', 'mtty-1'],
      ['-p', 'mtty', '-t', '../x'],
      ['-p', 'mtty', '-t', 'mtty-1', '--jsonfile', h.path('dev.json')],
      ['-p', 'mtty', '--bogus'],
    ]) {
      unchanged(h, () => fails(mdevctl(h.root, 'start', ...args), 2));
    }
  });
});

test('start --jsonfile without -p is refused, nothing written', () => {
  withHost((h) => {
    unchanged(h, () => {
      const r = runBin(h.root, ['start', '--jsonfile=/dev/stdin', `--uuid=${U1}`], { input: '{"mdev_type":"mtty-1","start":"manual"}' });
      assert.equal(r.stdout, '');
      assert.ok(r.status === 1 || r.status === 2, `status ${r.status}`);
      assert.match(r.stderr, /^(Error|error): [^\n]+\n$/);
    });
  });
});

test('start --jsonfile with a malformed config: one line, nothing written', () => {
  withHost((h) => {
    for (const input of ['{', '{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":"1","b":"2"}]}', '{"start":"manual"}']) {
      unchanged(h, () => fails(runBin(h.root, ['start', '--parent=mtty', '--jsonfile=/dev/stdin'], { input }), 1));
    }
  });
});

test('stop: the device is gone, its instances are free again, the definition stays', () => {
  withHost((h) => {
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    run(h, 'start', '-u', U1);
    run(h, 'start', '-p', 'mbochs', '-t', 'mbochs-large', '-u', U2);
    assert.equal(h.available('mbochs', 'mbochs-small'), 48);
    run(h, 'stop', '-u', U1);
    run(h, 'stop', `--uuid=${U2.toUpperCase()}`);
    assert.deepEqual(h.activeUuids(), []);
    assert.ok(!h.exists(`sys/devices/virtual/mtty/mtty/${U1}`));
    assert.equal(h.available('mtty', 'mtty-2'), 12);
    assert.equal(h.available('mtty', 'mtty-1'), 24);
    assert.equal(h.available('mbochs', 'mbochs-small'), 64);
    assert.deepEqual(h.definitions('mtty'), [U1]);
    ok(mdevctl(h.root, 'list'), '');
    ok(mdevctl(h.root, 'list', '-d'), `${U1} mtty mtty-2 manual\n`);
  });
});

test('stop of a device that is not running: exit 1, nothing written', () => {
  withHost((h) => {
    unchanged(h, () => fails(mdevctl(h.root, 'stop', '-u', U1), 1));
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'stop', '-u', U1), 1));
    run(h, 'start', '-u', U1);
    run(h, 'stop', '-u', U1);
    unchanged(h, () => fails(mdevctl(h.root, 'stop', '-u', U1), 1));
  });
});

test('stop usage errors (exit 2)', () => {
  withHost((h) => {
    for (const args of [[], ['-u', 'nope'], ['-p', 'mtty']]) unchanged(h, () => fails(mdevctl(h.root, 'stop', ...args), 2));
  });
});

test('concurrent starts: never more devices than the pool holds; each refusal is one line', async () => {
  const h = simHost();
  try {
    const uuids = Array.from({ length: 8 }, (_, i) => U1.replace(/01$/, `1${i}`));
    const results = await Promise.all(uuids.map((u) => runAsync(h.root, ['start', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', u])));
    const started = uuids.filter((_, i) => results[i]?.status === 0);
    assert.equal(started.length, 4, results.map((r) => `${r.status} ${r.stderr.trim()}`).join('\n'));
    for (const r of results) {
      if (r.status === 0) assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
      else fails(r, 1);
    }
    assert.deepEqual(h.activeUuids(), started.sort());
    assert.equal(h.available('mdpy', 'mdpy-hd'), 0);
    // the same defined device started many times at once: it runs once
    run(h, 'define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1);
    const again = await Promise.all(Array.from({ length: 6 }, () => runAsync(h.root, ['start', '-u', U1])));
    assert.equal(again.filter((r) => r.status === 0).length, 1, again.map((r) => `${r.status} ${r.stderr.trim()}`).join('\n'));
    for (const r of again.filter((x) => x.status !== 0)) fails(r, 1);
    assert.equal(h.available('mtty', 'mtty-2'), 11);
  } finally {
    h.cleanup();
  }
});
