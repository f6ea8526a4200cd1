// What the kernel's refusals usually mean for an mtty device (query.explainRefusal): ENOSPC on
// create when the shared port pool has fewer free ports than the type takes; attributes: mtty
// devices have none to write.

import type { KernelRefusal, QueryContext } from '@mdevctl/plugin-sdk';
import { freePorts, portsOf, TOTAL_PORTS } from './ports.js';

export function explainMttyRefusal(refusal: KernelRefusal, ctx: QueryContext): string | undefined {
  switch (refusal.operation) {
    case 'create': {
      const need = portsOf(refusal.device.type);
      if (refusal.code !== 'ENOSPC' || need === undefined) return undefined;
      const free = freePorts(ctx.host, refusal.device.parent);
      return `${refusal.device.type} takes ${need} port${need === 1 ? '' : 's'} and ${free} of mtty's ${TOTAL_PORTS} shared ports are free; stop an mtty device to free some`;
    }
    case 'attribute':
      return `mtty devices take no attributes; remove '${refusal.attribute ?? ''}' from the definition`;
    case 'remove':
      return undefined;
  }
}
