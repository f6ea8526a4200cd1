// The validate stage of core: every precondition of the action, checked before any call-out
// or write. Problems go into the shared diagnostics list.

import type { Diagnostics, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../../host/host.js';
import { attributeValueProblem, nameProblem, quoted } from '../../model/names.js';
import { unlistedParentProblem } from '../../store/definition-store.js';

export const CORE_SOURCE = 'mdevctl';

export class CoreChecks {
  constructor(private readonly host: Host) {}

  check(ctx: LifecycleContext, out: Diagnostics): void {
    const device = ctx.device;
    if (!device) return;
    const req = ctx.request;
    // Values are checked where they are about to be written (stored, or sent to sysfs).
    const writesValues = req.action === 'define' || req.action === 'modify' || req.action === 'start';
    if (!this.checkNames(device, out, writesValues)) return;
    switch (req.action) {
      case 'define': {
        const unlisted = unlistedParentProblem(device.parent);
        if (unlisted !== undefined) {
          out.error(CORE_SOURCE, unlisted);
          return;
        }
        if (this.host.store.exists(device.parent, device.uuid)) {
          out.error(
            CORE_SOURCE,
            req.jsonfile !== undefined
              ? `Cowardly refusing to overwrite existing config for ${device.parent}/${device.uuid}`
              : `Device ${device.uuid} on ${device.parent} already defined`,
          );
        }
        return;
      }
      case 'modify':
        if (req.live && ctx.active) {
          if (device.type !== ctx.active.type) out.error(CORE_SOURCE, "'type' cannot be changed on active mdev");
          if (ctx.previous && ctx.previous.type !== ctx.active.type) {
            out.error(CORE_SOURCE, "'type' of active and defined mdev does not match");
          }
        }
        return;
      case 'start':
        // `start -u U [-p P]`: the device of a definition
        this.checkStart(device, out, ctx.checkOnly, req.type === undefined && req.jsonfile === undefined);
        return;
      case 'undefine':
      case 'stop':
        return;
    }
  }

  private checkNames(device: MdevDevice, out: Diagnostics, values: boolean): boolean {
    const problems: string[] = [];
    const parent = nameProblem(device.parent);
    if (parent) problems.push(`Invalid parent device name ${quoted(device.parent)}: ${parent}`);
    const type = nameProblem(device.type);
    if (type) problems.push(`Invalid mdev type name ${quoted(device.type)}: ${type}`);
    for (const a of device.attrs) {
      const p = nameProblem(a.name);
      if (p) problems.push(`Invalid attribute name ${quoted(a.name)}: ${p}`);
      const v = values ? attributeValueProblem(a.value) : undefined;
      if (v) problems.push(`Invalid value of attribute ${quoted(a.name)}: ${v}`);
    }
    for (const p of problems) out.error(CORE_SOURCE, p);
    return problems.length === 0;
  }

  /** `checkOnly` (mdevctl validate): a definition that is running as defined is fine. */
  private checkStart(device: MdevDevice, out: Diagnostics, checkOnly: boolean, defined: boolean): void {
    const sysfs = this.host.sysfs;
    const existing = sysfs.activeDevice(device.uuid);
    if (existing) {
      if (existing.parent !== device.parent) out.error(CORE_SOURCE, 'Device exists under different parent');
      else if (existing.type !== device.type) out.error(CORE_SOURCE, 'Device exists with different type');
      else if (!checkOnly) out.error(CORE_SOURCE, `Device ${device.uuid} already exists${defined ? ': it is running' : ''}`);
      return;
    }
    if (!sysfs.parentExists(device.parent)) {
      const other = sysfs.parentWithOtherCase(device.parent);
      out.error(
        CORE_SOURCE,
        other !== undefined
          ? `Unable to find parent device '${device.parent}'. Did you mean '${other}'?`
          : `Unable to find parent device '${device.parent}'`,
      );
      return;
    }
    if (!sysfs.hasTypesDir(device.parent)) {
      out.error(CORE_SOURCE, `Parent ${device.parent} is not currently registered for mdev support`);
      return;
    }
    if (!sysfs.typeExists(device.parent, device.type)) {
      out.error(CORE_SOURCE, `Parent ${device.parent} does not support mdev type ${device.type}`);
      return;
    }
    if (sysfs.availableInstances(device.parent, device.type) <= 0) {
      out.error(CORE_SOURCE, `No available instances of ${device.type} on ${device.parent}`);
    }
  }
}
