// --wait-parents SECONDS: before planning, wait (bounded) until the parents the file names are
// registered with mdev — every explicit device's parent and every parent named literally in a
// request, and at least one parent for every request given by pattern or driver — for boot
// ordering (a GPU driver that registers after the unit that applies the file). Polls sysfs with a
// growing interval (sysfs has no inotify), at most until the deadline, then fails naming what is
// still missing.

import { setTimeout as delay } from 'node:timers/promises';
import type { Host } from '../host/host.js';
import { MdevctlError } from '../model/errors.js';
import type { DesiredFile } from './file.js';
import { candidateParents, literalParents } from './select.js';

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 500;

/** What is still missing (empty: every parent is there). */
export function missingParents(file: DesiredFile, host: Host): string[] {
  const registered = (p: string) => host.sysfs.parentExists(p) && host.sysfs.hasTypesDir(p);
  const missing = new Set<string>();
  for (const d of file.devices) if (!registered(d.parent)) missing.add(d.parent);
  for (const r of file.requests) {
    if (r.count === 0) continue;
    const literal = literalParents(r.parents);
    for (const p of literal) if (!registered(p)) missing.add(p);
    if (literal.length === 0 && candidateParents(host, r, (p) => host.sysfs.types(p)).length === 0) {
      missing.add(`a parent for request ${r.name}`);
    }
  }
  return [...missing];
}

export async function waitForParents(file: DesiredFile, host: Host, seconds: number, notice: (line: string) => void): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let missing = missingParents(file, host);
  if (missing.length === 0) return;
  notice(`Waiting up to ${seconds}s for ${missing.join(', ')}`);
  let interval = FIRST_POLL_MS;
  while (missing.length > 0) {
    const left = deadline - Date.now();
    if (left <= 0) throw new MdevctlError(`Gave up after ${seconds}s waiting for ${missing.join(', ')}`);
    await delay(Math.min(interval, left));
    interval = Math.min(interval * 2, MAX_POLL_MS);
    await host.redetect(); // a backend whose parents appeared since
    missing = missingParents(file, host);
  }
}
