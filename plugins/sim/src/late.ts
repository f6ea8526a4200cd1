// The simulated driver's delayed work: after sriov-manage enables VFs, their nvidia/ dirs appear
// a little later (NVIDIA-VFIO facts: peers wait for them). A detached process (late-entry.js)
// sleeps, then makes them appear under the kernel lock, unless that enabling is gone (a reboot,
// a disable) or the simulated root was deleted meanwhile.

import { spawn } from 'node:child_process';
import { existsSync, rmdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE, SIM_DIR } from './host.js';

const ENTRY = fileURLToPath(new URL('./late-entry.js', import.meta.url));

/** Starts the detached process that settles `gpu`'s enabling `generation` after `delayMs`. */
export function spawnLateNvidia(root: string, gpu: string, generation: number, delayMs: number): void {
  const child = spawn(process.execPath, [ENTRY, resolve(root), gpu, String(generation), String(delayMs)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

/** The late process's work; `settle` runs under the kernel lock. Never throws. */
export async function runLateNvidia(
  args: readonly string[],
  settle: (root: string, gpu: string, generation: number) => void,
): Promise<void> {
  const [root = '', gpu = '', gen = '', delay = ''] = args;
  const ms = Number(delay);
  await new Promise((r) => setTimeout(r, Number.isFinite(ms) && ms > 0 ? Math.min(ms, 60_000) : 0));
  const manifest = join(root, SIM_DIR, MANIFEST_FILE);
  // The test (or user) may have removed the root meanwhile: never build a tree again there.
  if (!existsSync(manifest)) return;
  try {
    settle(root, gpu, Number(gen));
  } catch {
    // The root went away under us: undo the lock dir the attempt may have re-made.
    if (!existsSync(manifest)) {
      try {
        rmdirSync(join(root, SIM_DIR));
        rmdirSync(root);
      } catch {
        // not empty or already gone
      }
    }
  }
}
