// Differential: `types` and listings of an empty host, ours vs Debian's mdevctl 1.2.0 (see pair.ts).
// All read-only, so they share one fresh pair.

import { describe } from 'node:test';
import { CONCURRENCY, group } from './pair.js';

describe('differential: types and an empty host', { concurrency: CONCURRENCY }, () => {
  group(
    'a fresh host',
    async () => {},
    {
      types: async (p) => {
        await p.step(['types']);
      },
      'types -p mtty': async (p) => {
        await p.step(['types', '-p', 'mtty']);
      },
      'types --dumpjson': async (p) => {
        await p.step(['types', '--dumpjson']);
      },
      'types -p 0000:00:02.0 (multi-line description joined with ", ")': async (p) => {
        await p.step(['types', '-p', '0000:00:02.0']);
        await p.step(['types', '-p', '0000:00:02.0', '--dumpjson']);
      },
      'types -p of an unknown parent': async (p) => {
        await p.step(['types', '-p', 'nosuchparent']);
        await p.step(['types', '-p', 'nosuchparent', '--dumpjson']);
      },
      'list, empty': async (p) => {
        await p.step(['list']);
      },
      'list -d, empty': async (p) => {
        await p.step(['list', '-d']);
      },
      'list --dumpjson and list -d --dumpjson, empty': async (p) => {
        await p.step(['list', '--dumpjson']);
        await p.step(['list', '-d', '--dumpjson']);
      },
      'lsmdev, empty': async (p) => {
        await p.step([], { lsmdev: true });
      },
    },
    { parallel: true },
  );
});
