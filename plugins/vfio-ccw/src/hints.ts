// What the kernel's refusals usually mean for a vfio_ccw-io device (query.explainRefusal).
//
// create: the mdev core allows one device per subchannel (EUSERS, node's UNKNOWN -87; EPERM from
// kernels before 6.1, where vfio_ccw counted it itself); ENODEV when the subchannel is not
// operational, ENOENT (no `create` file) when it was unbound from vfio_ccw since the checks ran.
// Attributes: vfio_ccw-io devices have no writable ones.

import type { KernelRefusal, QueryContext } from '@mdevctl/plugin-sdk';
import { driverctlCommand } from './subchannel.js';

const EUSERS = 87;

export function explainCcwRefusal(refusal: KernelRefusal, ctx: QueryContext): string | undefined {
  const sch = refusal.device.parent;
  switch (refusal.operation) {
    case 'create':
      if (refusal.errno === EUSERS || refusal.code === 'EPERM' || refusal.code === 'ENOSPC') {
        const user = ctx.host.activeDevices({ parent: sch }).find((d) => d.uuid !== refusal.device.uuid);
        const who = user !== undefined ? `running device ${user.uuid} uses it` : 'another device uses it';
        return `subchannel ${sch} takes one mediated device and ${who}`;
      }
      if (refusal.code === 'ENODEV' || refusal.code === 'ENOENT') {
        return `subchannel ${sch} is not operational or no longer bound to vfio_ccw (check it with lscss; rebind: ${driverctlCommand(sch)})`;
      }
      return undefined;
    case 'attribute':
      return `vfio_ccw-io devices have no writable attributes; remove '${refusal.attribute ?? ''}' from the definition`;
    case 'remove':
      return refusal.code === 'ENODEV' ? `the device is already gone (subchannel ${sch} was unbound or went away)` : undefined;
  }
}
