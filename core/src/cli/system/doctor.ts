// mdevctl doctor: checks where this deployment keeps mdevctl's state — the definitions, the run
// dir with the definitions lock and the crash-recovery record, and in a container whether that
// run dir is the host's (host/deployment.ts). One line per check; exit 1 when one is an error.

import { Command } from 'clipanion';
import { HostPaths } from '../../host/paths.js';
import { deploymentChecks } from '../../host/deployment.js';
import { textSafe } from '../../output/escape.js';
import { MdevctlCommand } from '../commands/base.js';

export class DoctorCommand extends MdevctlCommand {
  static override paths = [['doctor']];
  static override usage = Command.Usage({
    description: 'Check where mdevctl keeps its definitions, lock and crash-recovery record',
    details: `
      Checks, under MDEVCTL_ENV_ROOT (default /), the definitions directory /etc/mdevctl.d, the run directory /run/mdevctl (the lock every changing command holds, and the record that rolls back a command killed half-way), and, when mdevctl runs in a container (/.dockerenv, /run/.containerenv, the 'container' or KUBERNETES_SERVICE_HOST variable), whether that run directory comes from the host: a container that mounts the host's /etc/mdevctl.d but not its /run/mdevctl changes the host's definitions under a lock the host's mdevctl (udev, libvirt) does not see. Prints one line per check, '<status> <check>: <detail>' with status ok, warning or error; the exit status is 1 when any check is an error, 0 otherwise. Changes nothing.
    `,
    examples: [
      ['Check this deployment', 'mdevctl doctor'],
      ['Check an image being built', 'MDEVCTL_ENV_ROOT=/srv/image mdevctl doctor'],
    ],
  });

  async execute(): Promise<number> {
    const checks = deploymentChecks(HostPaths.fromEnv(this.context.env), this.context.env);
    this.print(checks.map((c) => `${c.status} ${c.check}: ${textSafe(c.detail)}\n`).join(''));
    return checks.some((c) => c.status === 'error') ? 1 : 0;
  }
}
