// A test plugin whose `pre` tap changes the kernel's state after our validation and before the
// sysfs write — what a pre call-out, a concurrent admin or a hot-unplug can do. So the kernel
// itself refuses our write, and the user sees the message built from the kernel's errno.
//
// Modes:
//   dup:P/T        another device with the same uuid is created under P/T
//   dup-upper:P/T  the same, the uuid written in upper case
//   exhaust        the device's own pool is filled until the kernel refuses
//   unregister     the parent's module is unloaded (rmmod)
//   gone           the device is removed (for stop)

import { SDK_VERSION, type LifecycleContext, type MdevctlPlugin } from '@mdevctl/plugin-sdk';
import { createRaw, fillPool, MODULES, removeRaw, sh } from './lib.js';

function race(mode: string, ctx: LifecycleContext): string {
  const d = ctx.device;
  if (!d) return 'no device';
  const [kind, target] = mode.split(':');
  const [p = '', t = ''] = (target ?? '').split('/');
  switch (kind) {
    case 'dup':
      return createRaw(p, t, d.uuid);
    case 'dup-upper':
      return createRaw(p, t, d.uuid.toUpperCase());
    case 'exhaust':
      return fillPool(d.parent, d.type);
    case 'unregister':
      sh(`rmmod ${MODULES[d.parent] ?? d.parent}`);
      return 'ok';
    case 'gone':
      return removeRaw(d.uuid);
    default:
      return `unknown mode ${mode}`;
  }
}

/** The plugin; `report` gets what the race did (the raw write's result). */
export function racePlugin(mode: string, report: (what: string) => void): MdevctlPlugin {
  return {
    name: 'kernel-test-race',
    sdkVersion: SDK_VERSION,
    apply(hooks) {
      hooks.lifecycle.pre.tap('kernel-test-race', (ctx) => {
        report(race(mode, ctx));
      });
    },
  };
}
