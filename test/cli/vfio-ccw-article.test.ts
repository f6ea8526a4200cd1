// Black-box: an admin following the s390 article on the simulated host. Subchannel 0.0.0314
// starts bound to io_subchannel; the plain sysfs writes driverctl makes (driver_override, unbind,
// drivers_probe) and the article's manual ones (unbind, bind), applied by `mdevctl-sim sync`, make
// it a vfio_ccw parent that mdevctl then uses. And vfio_ccw-io attributes: a warning at define and
// modify, a refusal naming the fix at start, before anything is created.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { SIM_BIN, mdevctl } from '../helpers/cli.js';
import { fails, ok, run, unchanged, withHost, WARN } from '../helpers/expect.js';
import type { SimHost } from '../helpers/sim-host.js';

const U1 = '7e270a25-e163-4922-af60-757fc8ed48c6';
const U2 = 'b29e4ca9-5cdb-4ee1-a01b-79085b9ab237';
const IO = '0.0.0314';

function sim(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SIM_BIN, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `echo DATA > ROOT/REL`, as a shell does (a newline at the end). */
function echo(h: SimHost, rel: string, data: string): void {
  writeFileSync(h.path(rel), `${data}\n`);
}

const parents = (h: SimHost): string => mdevctl(h.root, 'types', '--dumpjson').stdout;

test("driverctl's writes (driver_override, unbind, drivers_probe), applied by sync, make 0.0.0314 a vfio_ccw parent", () =>
  withHost((h) => {
    assert.ok(!parents(h).includes(IO), 'not a parent while bound to io_subchannel');
    echo(h, `sys/bus/css/devices/${IO}/driver_override`, 'vfio_ccw');
    echo(h, `sys/bus/css/devices/${IO}/driver/unbind`, IO);
    echo(h, 'sys/bus/css/drivers_probe', IO);
    assert.deepEqual(sim('sync', h.root), { status: 0, stdout: '', stderr: '' });
    assert.equal(readFileSync(h.path(`sys/bus/css/devices/${IO}/driver_override`), 'utf8'), 'vfio_ccw\n');
    assert.ok(parents(h).includes(IO), 'a parent once bound to vfio_ccw');
    // then the article's mdevctl steps on it
    run(h, 'define', '-u', U2, '-p', IO, '-t', 'vfio_ccw-io', '-a');
    run(h, 'start', '-u', U2);
    ok(mdevctl(h.root, 'list'), `${U2} ${IO} vfio_ccw-io auto (defined)\n`);
  }));

test("the manual way (unbind, bind) works too, and an override for another driver makes bind fail as Linux's does", () =>
  withHost((h) => {
    echo(h, `sys/bus/css/devices/${IO}/driver_override`, 'io_subchannel');
    echo(h, 'sys/bus/css/drivers/io_subchannel/unbind', IO);
    echo(h, 'sys/bus/css/drivers/vfio_ccw/bind', IO);
    const refused = sim('sync', h.root);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^mdevctl-sim: \S+\/sys\/bus\/css\/drivers\/vfio_ccw\/bind: .*ENODEV.*\n$/);
    assert.ok(!parents(h).includes(IO));
    echo(h, `sys/bus/css/devices/${IO}/driver_override`, ''); // an empty line clears it
    echo(h, 'sys/bus/css/drivers/vfio_ccw/bind', IO);
    assert.deepEqual(sim('sync', h.root), { status: 0, stdout: '', stderr: '' });
    assert.equal(readFileSync(h.path(`sys/bus/css/devices/${IO}/driver_override`), 'utf8'), '(null)\n');
    assert.ok(parents(h).includes(IO));
  }));

test('mdevctl-sim --help says what the css bus does and how to follow driverctl', () => {
  const help = sim('--help');
  assert.equal(help.status, 0);
  for (const line of ['driver_override', 'drivers_probe', `echo vfio_ccw > ROOT/sys/bus/css/devices/${IO}/driver_override`, 'mdevctl-sim sync ROOT']) {
    assert.ok(help.stdout.includes(line), `help mentions ${line}`);
  }
});

test('vfio_ccw-io attributes: a warning at define and modify; start refused before anything is created, saying how to fix it', () =>
  withHost((h) => {
    const json = h.path('dev.json');
    writeFileSync(json, JSON.stringify({ mdev_type: 'vfio_ccw-io', start: 'manual', attrs: [{ x: '1' }] }));
    const defined = mdevctl(h.root, 'define', '-u', U1, '-p', '0.0.0313', '--jsonfile', json);
    assert.equal(defined.status, 0, defined.stderr);
    const warning = "vfio_ccw-io devices take no attributes (this one has 'x'); starting it will be refused until they are removed";
    assert.match(defined.stderr, WARN);
    assert.equal(defined.stderr.replace(WARN, ''), `${warning}\n`);
    const modified = mdevctl(h.root, 'modify', '-u', U1, '--addattr', 'y', '--value', '2');
    assert.equal(modified.status, 0, modified.stderr);
    assert.equal(modified.stderr.replace(WARN, ''), "vfio_ccw-io devices take no attributes (this one has 'x', 'y'); starting it will be refused until they are removed\n");
    unchanged(h, () =>
      fails(
        mdevctl(h.root, 'start', '-u', U1),
        1,
        `Error: vfio_ccw-io devices take no attributes (this one has 'x', 'y'); remove them with: mdevctl modify -u ${U1} --delattr (once for each of the 2)\n`,
      ),
    );
    unchanged(h, () =>
      fails(mdevctl(h.root, 'start', '-p', '0.0.0313', '--jsonfile', json), 1, "Error: vfio_ccw-io devices take no attributes (this one has 'x'); remove them from the JSON file\n"),
    );
    mdevctl(h.root, 'modify', '-u', U1, '--delattr');
    run(h, 'modify', '-u', U1, '--delattr');
    run(h, 'start', '-u', U1);
  }));
