// The fidelity probe (probe.ts) run against a fresh simulated host instead of a kernel: what the
// real-kernel test and the unit fidelity test compare the guest's observations with.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedHost, SimulatedKernel } from '@mdevctl/plugin-sim';
import { PROBE_PARENTS, runProbe, ueventsByPhase, type Observations } from './probe.js';

export function simProbe(): Observations {
  const root = mkdtempSync(join(tmpdir(), 'mdev-sim-probe-'));
  try {
    createSimulatedHost(root, { parents: [...PROBE_PARENTS] });
    const k = SimulatedKernel.open(root);
    const before = k.uevents().length;
    const obs = runProbe({
      root,
      write: (p, d) => k.write(p, d),
      unplug: (p) => k.unplugParent(p),
      plug: (p) => k.plugParent(p),
    });
    obs['uevents'] = ueventsByPhase(k.uevents().slice(before));
    return obs;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
