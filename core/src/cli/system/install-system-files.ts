// mdevctl install-system-files: what `npm install -g` cannot do — the host side of an
// installation, all under MDEVCTL_ENV_ROOT: the dirs of SPEC §1, the udev rule that starts a
// parent's auto devices when it appears, and the man pages and bash completion. Idempotent:
// files are rewritten only when their content differs. Never needs a working installation.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'clipanion';
import { HostPaths } from '../../host/paths.js';
import { UsageError } from '../../model/errors.js';
import { MdevctlCommand } from '../commands/base.js';
import { COMPLETION_FILE } from '../docs/outputs.js';
import { BASH_COMPLETION_DIR, MAN_DIR, UDEV_RULE_FILE, install, requiredDirs, ruleCommandProblem, udevRule, type InstallItem } from './files.js';
import { VGPU_UDEV_RULE_FILE, VGPU_UNIT_FILE, vgpuUdevRule, vgpuUnit } from './vgpu-boot.js';

/** This package's mdevctl program, run by the node running now. */
export function defaultRuleCommand(): string {
  return `${process.execPath} ${fileURLToPath(new URL('../../../bin/mdevctl.js', import.meta.url))}`;
}

export class InstallSystemFilesCommand extends MdevctlCommand {
  static override paths = [['install-system-files']];
  static override usage = Command.Usage({
    description: 'Install the udev rule, man pages and bash completion, and create the dirs mdevctl needs',
    details: `
      Run once after installing mdevctl (as root; e.g. 'npm install -g ./mdevctl-VERSION.tgz', the self-contained tarball scripts/pack.mjs makes — mdevctl is not on the npm registry), and again after an upgrade. Under MDEVCTL_ENV_ROOT (default /) it creates /etc/mdevctl.d and /usr/lib/mdevctl/scripts.d/callouts and notifiers, and installs /usr/lib/udev/rules.d/60-mdevctl.rules (which runs 'mdevctl start-parent-mdevs PARENT' when a parent device registers, so that its devices with start policy auto come back after a reboot), for vGPUs on SR-IOV virtual functions (NVIDIA vGPU 17+, no mdev bus) /usr/lib/udev/rules.d/61-mdevctl-vgpu.rules and /usr/lib/systemd/system/mdevctl-vgpu@.service (one unit per physical GPU, after the driver's daemons, that starts the auto vGPUs of its VFs), the man pages mdevctl(8) and lsmdev(8) in /usr/share/man/man8, and the bash completion in /usr/share/bash-completion/completions. Files that are already as they should be are left alone.

      The rule runs this program with this node by their absolute paths; 'exec' names another command instead (for a distribution package: /usr/sbin/mdevctl). Prints one line per item: created, installed, updated or unchanged.
    `,
    examples: [
      ['Install on this host', 'mdevctl install-system-files'],
      ['Prepare an image, with the rule running /usr/sbin/mdevctl', 'MDEVCTL_ENV_ROOT=/srv/image mdevctl install-system-files --exec /usr/sbin/mdevctl'],
    ],
  });

  exec = Option.String('--exec', { description: 'The mdevctl command the udev rule runs (default: this program, run by this node)' });

  async execute(): Promise<number> {
    const command = this.exec ?? defaultRuleCommand();
    const problem = ruleCommandProblem(command);
    if (problem) throw new UsageError(`Invalid value ${JSON.stringify(command)} for '--exec <COMMAND>': ${problem}`);
    const paths = HostPaths.fromEnv(this.context.env);
    const under = (rel: string) => resolve(paths.root, rel);
    const generated = new Map((await this.context.generatedFiles()).map((f) => [f.path, f.content]));
    const content = (path: string): string => {
      const text = generated.get(path);
      if (text === undefined) throw new Error(`nothing generated for ${path}`);
      return text;
    };
    const items: InstallItem[] = [
      ...requiredDirs(paths),
      { kind: 'file', path: under(UDEV_RULE_FILE), content: udevRule(command) },
      { kind: 'file', path: under(VGPU_UDEV_RULE_FILE), content: vgpuUdevRule() },
      { kind: 'file', path: under(VGPU_UNIT_FILE), content: vgpuUnit(command) },
      { kind: 'file', path: under(`${MAN_DIR}/mdevctl.8`), content: content('man/mdevctl.8') },
      { kind: 'file', path: under(`${MAN_DIR}/lsmdev.8`), content: content('man/lsmdev.8') },
      { kind: 'file', path: under(`${BASH_COMPLETION_DIR}/mdevctl`), content: content(COMPLETION_FILE) },
      { kind: 'file', path: under(`${BASH_COMPLETION_DIR}/lsmdev`), content: content(COMPLETION_FILE) },
    ];
    for (const item of items) this.print(`${install(item, paths.root)} ${item.path}${item.kind === 'dir' ? '/' : ''}\n`);
    return 0;
  }
}
