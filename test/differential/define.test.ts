// Differential: define, undefine and listings of definitions, ours vs Debian's mdevctl 1.2.0.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONCURRENCY, group, type Pair, referenceOnly, ROOT, scenario, U1, U2, U3, U4, U9 } from './pair.js';

describe('differential: define, undefine, list -d', { concurrency: CONCURRENCY }, () => {
  const ATTRS_JSON = '{"mdev_type":"mdpy-vga","start":"auto","attrs":[{"foo":"1"},{"bar":"two"},{"foo":"3"}]}';
  const NO_ATTRS_JSON = '{\n  "mdev_type": "mtty-1",\n  "start": "manual"\n}\n';

  scenario('define -p -t -u (manual)', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    await p.step(['list', '-d']);
  });

  scenario('define -p -t -u --auto', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '--auto']);
    await p.step(['list', '-d']);
  });

  scenario('define of the same uuid under another parent', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    await p.step(['define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1]);
    await p.step(['list', '-d']);
  });

  scenario('define --jsonfile with attrs', async (p) => {
    p.write('tmp/dev.json', ATTRS_JSON);
    await p.step(['define', '-p', 'mdpy', '-u', U1, '--jsonfile', `${ROOT}/tmp/dev.json`]);
    await p.step(['list', '-d', '-v']);
  });

  scenario('define --jsonfile without attrs', async (p) => {
    p.write('tmp/dev.json', NO_ATTRS_JSON);
    await p.step(['define', `--parent=mtty`, `--jsonfile=${ROOT}/tmp/dev.json`, `--uuid=${U1}`]);
    await p.step(['list', '-d', '--dumpjson']);
  });

  scenario('define without -u prints the new uuid', async (p) => {
    const args = ['define', '-p', 'mtty', '-t', 'mtty-1'];
    const theirs = await p.reference(args);
    const shape = (r: { status: number; stdout: string; stderr: string }, root: string) => {
      const uuid = r.stdout.trim();
      return {
        status: r.status,
        stdout: r.stdout.replace(uuid, '<uuid>'),
        stderr: r.stderr,
        files: readdirSync(join(root, 'etc/mdevctl.d/mtty')).map((f) => f.replace(uuid, '<uuid>')),
        uuidValid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid),
      };
    };
    const want = shape(theirs, p.theirs);
    assert.deepEqual(want, { status: 0, stdout: '<uuid>\n', stderr: '', files: ['<uuid>'], uuidValid: true });
    if (!referenceOnly) assert.deepEqual(shape(await p.mine(args), p.ours), want);
  });

  /** Definitions on three parents, defined out of order. */
  async function several(p: Pair): Promise<void> {
    p.write('tmp/dev.json', ATTRS_JSON);
    await p.steps(
      [['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U3, '--auto']],
      [['define', '-p', 'mdpy', '-u', U2, '--jsonfile', `${ROOT}/tmp/dev.json`]],
      [['define', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U4]],
      [['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]],
      [['define', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U1]],
    );
  }

  group(
    'definitions on three parents',
    several,
    {
      'list -d of several parents': async (p) => {
        await p.step(['list', '-d']);
      },
      'list -d -v': async (p) => {
        await p.step(['list', '-d', '-v']);
      },
      'list -d --dumpjson': async (p) => {
        await p.step(['list', '-d', '--dumpjson']);
      },
      'list -d -u U --dumpjson (one match: the config object only)': async (p) => {
        await p.step(['list', '-d', '-u', U2, '--dumpjson']);
        await p.step(['list', '-d', '-u', U2]);
      },
      'list -d -u U of a uuid defined under two parents': async (p) => {
        await p.step(['list', '-d', '-u', U1]);
        await p.step(['list', '-d', '-u', U1, '--dumpjson']);
      },
      'list -d -p': async (p) => {
        await p.step(['list', '-d', '-p', 'mtty']);
        await p.step(['list', '-d', '-p', 'mdpy', '--dumpjson']);
        await p.step(['list', '-d', '-p', 'mdpy', '-u', U1]);
      },
      'list -u of an unknown uuid': async (p) => {
        await p.step(['list', '-d', '-u', U9]);
        await p.step(['list', '-d', '-u', U9, '--dumpjson']);
      },
      'list of running devices, none running': async (p) => {
        await p.step(['list']);
        await p.step(['list', '--dumpjson']);
      },
      'undefine of an unknown uuid is an error': async (p) => {
        await p.step(['undefine', '-u', U9], { expect: 1 });
      },
      'define of an existing definition is an error': async (p) => {
        await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1, '--auto'], { expect: 1 });
      },
    },
    { parallel: true },
  );

  scenario('undefine', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U3]);
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]);
    await p.step(['define', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U1]);
    await p.step(['undefine', '-u', U3]);
    await p.step(['undefine', '-u', U1]);
    await p.step(['list', '-d']);
  });

  scenario('undefine -p of a uuid defined under two parents', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1]);
    await p.step(['define', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U1]);
    await p.step(['undefine', '-u', U1, '-p', 'mdpy']);
    await p.step(['list', '-d']);
  });

  scenario('uppercase uuid input is stored in lower case', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1.toUpperCase()]);
    await p.step(['list', '-d', '-u', U1.toUpperCase()]);
    await p.step(['modify', '-u', U1.toUpperCase(), '--auto']);
    await p.step(['list', '-d']);
  });
});
