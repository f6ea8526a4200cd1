// Changes to a simulated host that happen between mdevctl's checks and its sysfs write — another
// program takes the last instances, unbinds a subchannel, unloads kvmgt (`mdevctl-sim unplug`) — made by a `pre` call-out
// of `start`, so a test reaches the kernel's refusal (and the plugins' hint) on purpose.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SIM_BIN } from './cli.js';
import type { SimHost } from './sim-host.js';

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const sim = (h: SimHost, args: string[]) => [process.execPath, SIM_BIN, ...args].map(q).join(' ');

/** One step of the race, as a shell command line. */
export type RaceStep = (h: SimHost) => string;

/** Another program creates device `uuid` of `type` on `parent` (as `echo uuid > create`). */
export const creates =
  (parent: string, type: string, uuid: string): RaceStep =>
  (h) =>
    `printf %s ${q(uuid)} > ${q(h.path(`sys/class/mdev_bus/${parent}/mdev_supported_types/${type}/create`))} && ${sim(h, ['sync', h.root])}`;

/** `mdevctl-sim unplug ROOT PARENT` (rmmod, unbind; for a GPU, rmmod kvmgt). */
export const unplugs =
  (parent: string): RaceStep =>
  (h) =>
    sim(h, ['unplug', h.root, parent]);

/** Installs the `pre` call-out that runs the steps before the next start's sysfs write. */
export function raceBeforeStart(h: SimHost, ...steps: RaceStep[]): void {
  const rel = 'usr/lib/mdevctl/scripts.d/callouts/10-race';
  const body = ['#!/bin/sh', 'cat >/dev/null', '[ "$4" = pre ] && [ "$6" = start ] || exit 0', ...steps.map((s) => `${s(h)} || exit 1`), 'exit 0', ''];
  mkdirSync(dirname(h.path(rel)), { recursive: true });
  writeFileSync(h.path(rel), body.join('\n'));
  chmodSync(h.path(rel), 0o755);
}
