// mdevctl start-parent-mdevs PARENT (hidden): run by the udev rule when a parent appears;
// starts its `auto` definitions, logging each failure and going on; exits 1 naming the devices
// that did not start (udev logs it; SPEC §8: upstream exits 0). With --physfn, PARENT is a PCI
// physical function PF (the boot unit of vGPUs on SR-IOV virtual functions, mdevctl-vgpu@PF.service):
// the auto definitions of every VF of the PF, after waiting (bounded, --wait) for those VFs to be
// parents — one process for a whole GPU.

import { Command, Option } from 'clipanion';
import { MdevctlCommand } from './base.js';
import { MdevctlError } from '../../model/errors.js';
import { nameValue } from '../values.js';
import { withProgress } from '../progress.js';
import { UsageError } from '../../model/errors.js';
import { isPciAddress } from '../../sysfs/pci.js';

export class StartParentMdevsCommand extends MdevctlCommand {
  static override paths = [['start-parent-mdevs']];
  /** Not listed in the program's help (as upstream); its own --help works. */
  static readonly hidden = true;
  static override usage = Command.Usage({
    description: 'Start the automatically started devices of a parent (run by the udev rule)',
    details: `
      Starts every defined device of PARENT whose start policy is 'auto'. A device that fails to start is logged and the others are still started; then the command fails (exit status 1) with one line naming every device that did not start. A device already running on PARENT counts as started.

      With --physfn, PARENT is a PCI physical function PF (what mdevctl-vgpu@PF.service runs at boot for vGPUs on SR-IOV virtual functions): it starts the 'auto' devices of every virtual function of the PCI physical function PF, in uuid order, once each of those VFs is a parent; --wait bounds how long it waits for them (a VF's nvidia/ directory appears a little after the VF). A plugin that was allowed to (nvidia-vgpu's enableVfs) first enables the PF's VFs; its failure is one line and exit status 1.
    `,
    examples: [
      ['What the udev rule runs when mtty registers', 'mdevctl start-parent-mdevs mtty'],
      ["What the boot unit runs for an NVIDIA GPU's VFs", 'mdevctl start-parent-mdevs --physfn 0000:41:00.0 --wait 120'],
    ],
  });

  physfn = Option.Boolean('--physfn', false, { description: 'PARENT is a PCI physical function: start the auto devices of each of its SR-IOV virtual functions' });
  wait = Option.String('--wait', { description: 'With --physfn: wait up to this many seconds for its VFs to become parents (default 0)' });
  parent = Option.String({ name: 'parent', required: true });

  async execute(): Promise<number> {
    if (this.physfn) {
      const pf = nameValue(this.parent, '<PARENT>');
      if (!isPciAddress(pf)) throw new UsageError(`Invalid value ${JSON.stringify(pf)} for '<PARENT>' with '--physfn': not a PCI address domain:bus:device.function in lower case`);
      const seconds = waitValue(this.wait);
      const down = await withProgress(this.context.stderr, this.context.env, (progress) =>
        this.context.app().startPhysfnMdevs(pf, seconds, (done, total, uuid) => progress?.update(done, total, `starting ${uuid} (VFs of ${pf})`)),
      );
      if (down.length > 0) {
        throw new MdevctlError(`${down.length} auto device${down.length === 1 ? '' : 's'} on the virtual functions of ${pf} did not start: ${down.join(', ')}`);
      }
      return 0;
    }
    if (this.wait !== undefined) throw new UsageError("'--wait <SECONDS>' needs '--physfn'");
    const parent = nameValue(this.parent, '<PARENT>');
    // Progress only on a terminal (an admin running it by hand; udev's runs are never one).
    const down = await withProgress(this.context.stderr, this.context.env, (progress) =>
      this.context.app().startParentMdevs(parent, (done, total, uuid) => progress?.update(done, total, `starting ${uuid} on ${parent}`)),
    );
    if (down.length > 0) {
      throw new MdevctlError(`${down.length} auto device${down.length === 1 ? '' : 's'} of ${parent} did not start: ${down.join(', ')}`);
    }
    return 0;
  }
}

function waitValue(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 3600) {
    throw new UsageError(`--wait <SECONDS>: ${JSON.stringify(value)} is not a number of seconds from 0 to 3600`);
  }
  return n;
}
