// Issue 9's "done when": a simulated s390 host with 50 vfio-ap definitions. Conflicting auto ones
// are refused at define, conflicting manual ones at start, each naming every conflict, and
// nothing is written to the tree for any of them; start-parent-mdevs starts all the auto ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdevctl, runBin } from '../helpers/cli.js';
import { config, unchanged, withHost } from '../helpers/expect.js';

const TYPE = 'vfio_ap-passthrough';
const ADAPTERS = [...Array(10).keys()].map((i) => 0x10 + i);
const DOMAINS = [...Array(16).keys()].map((i) => 0x20 + i);
const uuid = (i: number): string => `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`;
const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
const apqn = (a: number, d: number): string => `${hex(a, 2)}.${hex(d, 4)}`;

interface Planned {
  start: 'auto' | 'manual';
  adapters: number[];
  domains: number[];
  /** The errors expected at define (auto) or start (manual), in order. */
  errors: string[];
}

/** Device i of the first 30 (auto): adapter 0x10 + i%10, domain 0x20 + i/10 — all distinct. */
const base = (i: number): [number, number] => [0x10 + (i % 10), 0x20 + Math.floor(i / 10)];

function plan(): Planned[] {
  const out: Planned[] = [];
  for (let i = 0; i < 30; i++) {
    const [a, d] = base(i);
    out.push({ start: 'auto', adapters: [a], domains: [d], errors: [] });
  }
  // 30..34: auto, sharing 1x.0020 with device i-30 (0x2f is free).
  for (let i = 30; i < 35; i++) {
    const a = 0x10 + (i - 30);
    out.push({ start: 'auto', adapters: [a], domains: [0x20, 0x2f], errors: [`APQN ${apqn(a, 0x20)} is also assigned to auto-start device ${uuid(i - 30)}`] });
  }
  // 35..37: auto, with 05.0001 still the host's (adapter 5 and domain 1 in the masks) and 15.0021 of device 15.
  for (let i = 35; i < 38; i++) {
    out.push({
      start: 'auto',
      adapters: [0x05, 0x15],
      domains: [0x01, 0x21],
      errors: [
        `APQN 15.0021 is also assigned to auto-start device ${uuid(15)}`,
        'APQN 05.0001 is reserved for the host by the AP bus masks (no persistent ones in /etc/udev/rules.d/41-ap.rules; the live /sys/bus/ap masks)',
      ],
    });
  }
  // 38..44: manual, distinct (domain 0x28).
  for (let i = 38; i < 45; i++) out.push({ start: 'manual', adapters: [0x10 + (i - 38)], domains: [0x28], errors: [] });
  // 45..49: manual, sharing two queues with running auto devices: 1x.0021 and 1x.0022.
  for (let i = 45; i < 50; i++) {
    const a = 0x10 + (i - 45);
    out.push({
      start: 'manual',
      adapters: [a],
      domains: [0x21, 0x22, 0x29],
      errors: [
        `APQN ${apqn(a, 0x21)} is already in use by running device ${uuid(i - 45 + 10)}`,
        `APQN ${apqn(a, 0x22)} is already in use by running device ${uuid(i - 45 + 20)}`,
      ],
    });
  }
  return out;
}

const attrsOf = (p: Planned): Array<[string, string]> => [
  ...p.adapters.map((a): [string, string] => ['assign_adapter', `0x${hex(a, 2)}`]),
  ...p.domains.map((d): [string, string] => ['assign_domain', String(d)]),
  ['assign_control_domain', String(p.domains[0] ?? 0)],
];

const refusal = (errors: string[]) => ({ status: 1, stdout: '', stderr: errors.map((e) => `Error: ${e}\n`).join('') });

test('50 vfio-ap definitions: conflicts caught at define (auto) or start (manual), all named, nothing written', () =>
  withHost(
    (h) => {
      const devices = plan();
      assert.equal(devices.length, 50);
      devices.forEach((p, i) => {
        const define = () => runBin(h.root, ['define', '-u', uuid(i), '-p', 'matrix', '--jsonfile', '/dev/stdin'], { input: config(TYPE, p.start, attrsOf(p)) });
        if (p.start === 'auto' && p.errors.length > 0) unchanged(h, () => assert.deepEqual(define(), refusal(p.errors), `define ${i}`));
        else assert.deepEqual(define(), { status: 0, stdout: '', stderr: '' }, `define ${i}`);
      });
      assert.equal(h.definitions('matrix').length, 42);

      assert.deepEqual(mdevctl(h.root, 'start-parent-mdevs', 'matrix'), { status: 0, stdout: '', stderr: '' });
      assert.deepEqual(h.activeUuids(), [...Array(30).keys()].map(uuid));
      assert.equal(h.read(`sys/bus/mdev/devices/${uuid(29)}/matrix`), `${apqn(0x19, 0x22)}\n`);

      devices.forEach((p, i) => {
        if (p.start !== 'manual') return;
        const start = () => mdevctl(h.root, 'start', '-u', uuid(i));
        if (p.errors.length > 0) unchanged(h, () => assert.deepEqual(start(), refusal(p.errors), `start ${i}`));
        else assert.deepEqual(start(), { status: 0, stdout: '', stderr: '' }, `start ${i}`);
      });
      assert.equal(h.activeUuids().length, 37);
    },
    { parents: ['matrix'], ap: { releasedAdapters: ADAPTERS, releasedDomains: DOMAINS } },
  ));
