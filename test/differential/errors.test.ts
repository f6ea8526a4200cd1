// Differential: refused commands, ours vs Debian's mdevctl 1.2.0. Exit status must match (usage
// errors 2, others 1), stderr must be non-empty in both (its wording is ours), and nothing changes.

import { describe } from 'node:test';
import { CONCURRENCY, group, U1, U9 } from './pair.js';

describe('differential: refused commands', { concurrency: CONCURRENCY }, () => {
  /** One manual definition, not running. */
  group(
    'refused commands',
    async (p) => {
      await p.step(['define', '-p', 'mtty', '-t', 'mtty-2', '-u', U1]);
    },
    {
      'invalid uuid is a usage error (exit 2)': async (p) => {
        await p.step(['define', '-p', 'mtty', '-t', 'mtty-1', '-u', 'not-a-uuid'], { expect: 2 });
        await p.step(['start', '-u', U1.replace('01', '0g')], { expect: 2 });
        await p.step(['undefine', '-u', U1.slice(0, 35)], { expect: 2 });
      },
      'start with an unknown parent is an error': async (p) => {
        await p.step(['start', '-p', 'nosuchparent', '-t', 'mtty-1', '-u', U9], { expect: 1 });
        await p.step(['start', '-p', 'MTTY', '-t', 'mtty-1', '-u', U9], { expect: 1 });
      },
      'start with an unknown type is an error': async (p) => {
        await p.step(['start', '-p', 'mtty', '-t', 'mtty-9', '-u', U9], { expect: 1 });
      },
      'start -u of a definition with a different -t or -p is an error': async (p) => {
        await p.step(['start', '-u', U1, '-t', 'mtty-1'], { expect: 1 });
        await p.step(['start', '-u', U1, '-p', 'mdpy'], { expect: 1 });
      },
      'start of an unknown uuid is an error': async (p) => {
        await p.step(['start', '-u', U9], { expect: 1 });
      },
      'define -u of a uuid that is not running, without -p, is an error': async (p) => {
        await p.step(['define', '-u', U9], { expect: 1 });
      },
      'stop of a device that is not running is an error': async (p) => {
        await p.step(['stop', '-u', U1], { expect: 1 });
      },
      'modify of an unknown uuid is an error': async (p) => {
        await p.step(['modify', '-u', U9, '--auto'], { expect: 1 });
      },
      'nothing changed': async (p) => {
        await p.step(['list']);
        await p.step(['list', '-d']);
      },
    },
  );
});
