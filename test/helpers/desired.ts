// Helpers of the desired-state tests: write a file into the host's temp dir, derive the uuids
// the file's devices get (as documented: v5 of the key under v5 of the name), read the JSON plan.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v5 } from 'uuid';
import { mdevctl, type RunResult } from './cli.js';
import type { SimHost } from './sim-host.js';

export function desiredFile(h: SimHost, text: string, name = 'desired.yaml'): string {
  const path = join(h.root, '..', `${h.root.split('/').pop()}-${name}`);
  writeFileSync(path, text);
  return path;
}

export function namespaceOf(fileName: string): string {
  return v5(fileName, v5('desired-state.mdevctl', v5.DNS));
}

export function uuidOf(fileName: string, key: string): string {
  return v5(key, namespaceOf(fileName));
}

export interface PlanJson {
  changed: boolean;
  dry_run?: boolean;
  actions: Array<{ action: string; parent: string; uuid: string; type: string; for: string; detail?: string }>;
}

/** Runs `mdevctl <cmd> --json FILE ...`, checks exit `status` and an empty stderr, parses stdout. */
export function planOf(h: SimHost, args: string[], status = 0): PlanJson {
  const r: RunResult = mdevctl(h.root, ...args, '--json');
  assert.equal(r.status, status, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as PlanJson;
}

/** `uuid parent type` of each running device (from `mdevctl list`), sorted. */
export function running(h: SimHost): string[] {
  const r = mdevctl(h.root, 'list');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ').slice(0, 3).join(' '))
    .sort();
}

/** How many running devices each parent holds. */
export function perParent(h: SimHost): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of running(h)) {
    const parent = l.split(' ')[1] as string;
    out[parent] = (out[parent] ?? 0) + 1;
  }
  return out;
}
