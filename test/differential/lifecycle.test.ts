// Differential: start, stop, transient devices, promote, start-parent-mdevs and lsmdev, ours vs
// Debian's mdevctl 1.2.0 (whose sysfs writes the simulated kernel applies after each command).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { CONCURRENCY, group, referenceOnly, scenario, U1, U2, U3, U4, U5 } from './pair.js';

describe('differential: start, stop, list', { concurrency: CONCURRENCY }, () => {
  /** U1 defined (mtty-2, manual) and started, U2 defined (auto) only, U3 transient on mdpy. */
  group(
    'running devices',
    async (p) => {
      await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
      await p.step(['start', '-u', U1]);
      await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U2, '--auto']);
      await p.step(['start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U3]);
    },
    {
      'start took effect': async (p) => {
        await p.step(['types', '-p', 'mtty']);
        await p.step(['types', '-p', 'mdpy', '--dumpjson']);
      },
      'list: (defined) on a defined device': async (p) => {
        await p.step(['list']);
        await p.step(['list', '-u', U1]);
        await p.step(['list', '-p', 'mdpy']);
      },
      'list -v': async (p) => {
        await p.step(['list', '-v']);
      },
      'list --dumpjson': async (p) => {
        await p.step(['list', '--dumpjson']);
        await p.step(['list', '-u', U1, '--dumpjson']);
        await p.step(['list', '-u', U3, '--dumpjson']);
      },
      'list -d: (active) on a running device': async (p) => {
        await p.step(['list', '-d']);
        await p.step(['list', '-d', '-v']);
        await p.step(['list', '-d', '--dumpjson']);
      },
      'start of an already running device is an error': async (p) => {
        await p.step(['start', '-u', U1], { expect: 1 });
        await p.step(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U3], { expect: 1 });
        await p.step(['list']);
      },
      lsmdev: async (p) => {
        await p.step([], { lsmdev: true });
        await p.step(['-d'], { lsmdev: true });
        await p.step(['--dumpjson'], { lsmdev: true });
        await p.step(['-u', U3], { lsmdev: true });
      },
    },
    { parallel: true },
  );

  scenario('transient start -p -t -u', async (p) => {
    await p.step(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2]);
    await p.step(['list']);
    await p.step(['list', '-d']);
    await p.step(['list', '-p', 'mbochs', '--dumpjson']);
    await p.step(['types', '-p', 'mbochs', '--dumpjson']);
  });

  scenario('transient start without -u prints the new uuid', async (p) => {
    const args = ['start', '-p', 'mdpy', '-t', 'mdpy-vga'];
    const theirs = await p.reference(args);
    const uuid = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\n$/;
    assert.equal(theirs.status, 0);
    assert.match(theirs.stdout, uuid);
    assert.match((await p.reference(['list'])).stdout, new RegExp(`^${theirs.stdout.trim()} mdpy mdpy-vga manual\n`));
    if (referenceOnly) return;
    const ours = await p.mine(args);
    assert.deepEqual({ status: ours.status, stderr: ours.stderr }, { status: 0, stderr: '' });
    assert.match(ours.stdout, uuid);
    assert.equal((await p.mine(['list'])).stdout, `${ours.stdout.trim()} mdpy mdpy-vga manual\n`);
  });

  scenario('define -u of a running transient device promotes it', async (p) => {
    await p.step(['start', '-p', 'mbochs', '-t', 'mbochs-small', '-u', U2]);
    await p.step(['define', '-u', U2]);
    await p.step(['list']);
    await p.step(['list', '-d']);
  });

  scenario('stop', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    await p.step(['start', '-u', U1]);
    await p.step(['start', '-p', 'mdpy', '-t', 'mdpy-hd', '-u', U3]);
    await p.step(['stop', '-u', U1]);
    await p.step(['list']);
    await p.step(['list', '-d']);
    await p.step(['stop', '-u', U3]);
    await p.step(['list']);
    await p.step(['types', '-p', 'mdpy']);
  });

  scenario('undefine of a running device leaves it running', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    await p.step(['start', '-u', U1]);
    await p.step(['undefine', '-u', U1]);
    await p.step(['list']);
    await p.step(['list', '-d']);
  });

  scenario('start-parent-mdevs mtty starts the auto definitions only', async (p) => {
    // Auto definitions of different types: 1.2.0 writes each uuid to its type's `create` and the
    // simulated kernel applies the writes after the command, so one create file per device.
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U3, '--auto']);
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U4, '--auto']);
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', U5]);
    await p.step(['define', '-p', 'mdpy', '-t', 'mdpy-vga', '-u', U1, '--auto']);
    await p.step(['start-parent-mdevs', 'mtty']);
    await p.step(['list']);
    await p.step(['list', '-d']);
    // Again: each auto device already exists; warnings on stderr, still exit 0.
    await p.step(['start-parent-mdevs', 'mtty']);
    await p.step(['start-parent-mdevs', 'nosuchparent']);
    await p.step(['list']);
  });

  scenario('start of a definition whose type the parent lacks is an error', async (p) => {
    await p.step(['define', '-p', 'mtty', '-t', 'mtty-9', '-u', U2]);
    await p.step(['start', '-u', U2], { expect: 1 });
    await p.step(['list']);
  });

  scenario('uppercase uuid: start, list, define and stop', async (p) => {
    await p.step(['start', '-p', 'mtty', '-t', 'mtty-1', '-u', U1.toUpperCase()]);
    await p.step(['list']);
    await p.step(['define', '-u', U1.toUpperCase()]);
    await p.step(['stop', '-u', U1.toUpperCase()]);
    await p.step(['list', '-d']);
  });
});
