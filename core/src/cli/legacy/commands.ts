// The commands of the 0.x shell mdevctl (upstream's first commits, seed 001), kept as
// deprecated aliases: their 0.x arguments and output, each run through the application's
// methods (and so through the same lifecycle pipeline, call-outs and validation as the 1.x
// commands). Each prints one deprecation line on stderr naming the command to use instead.
//
// The 0.x script took `--auto`/`--manual` before the command (`mdevctl --manual create-mdev …`);
// `reorderLegacyArgs` moves them behind it so both orders work.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'clipanion';
import { HostPaths } from '../../host/paths.js';
import { MdevctlError } from '../../model/errors.js';
import { MdevctlCommand } from '../commands/base.js';
import { conflicts, nameValue, uuidValue } from '../values.js';
import { legacyDefaultStart, pendingLegacy, type StartPolicy } from './layout.js';
import { textSafe } from '../../output/escape.js';

/** The category of the legacy commands in the command definitions (help, man page, completion). */
export const LEGACY_CATEGORY = 'Deprecated 0.x commands';

export const LEGACY_COMMAND_NAMES = [
  'create-mdev', 'list-all', 'list-available', 'list-mdevs', 'list-saved', 'remove-mdev', 'set-start',
  'start-mdev', 'stop-mdev',
] as const;

const POLICY_OPTIONS = new Set(['--auto', '--manual']);

/** `mdevctl [--auto|--manual]… create-mdev|set-start …` → the options after the command. */
export function reorderLegacyArgs(args: readonly string[]): readonly string[] {
  let i = 0;
  while (i < args.length && POLICY_OPTIONS.has(args[i] ?? '')) i++;
  const command = args[i];
  if (i === 0 || (command !== 'create-mdev' && command !== 'set-start')) return args;
  return [command, ...args.slice(i + 1), ...args.slice(0, i)];
}

abstract class LegacyCommand extends MdevctlCommand {
  /** The 1.x command(s) to use instead, as shown in the deprecation notice. */
  protected abstract replacement(): string;

  /** The notice, then a hint when 0.x definitions are waiting to be imported. */
  protected deprecated(): void {
    const name = this.path[0] ?? '';
    this.context.stderr.write(`mdevctl: '${name}' is a deprecated 0.x command; use '${this.replacement()}'\n`);
    const count = pendingLegacy(HostPaths.fromEnv(this.context.env));
    if (count > 0) {
      this.context.stderr.write(
        `mdevctl: ${count} definition${count === 1 ? '' : 's'} in the 0.x format ${count === 1 ? 'is' : 'are'} not used; run 'mdevctl import-legacy' to convert them\n`,
      );
    }
  }
}

const AUTO_HELP = { description: 'Start the device automatically when its parent appears' };
const MANUAL_HELP = { description: 'Start the device only on request' };

/** The policy from --auto/--manual, else 0.x's system default (etc/mdevctl.conf, else auto). */
function chosenPolicy(cmd: { auto: boolean; manual: boolean; context: { env: NodeJS.ProcessEnv } }): StartPolicy {
  conflicts({ '--auto': cmd.auto, '--manual': cmd.manual });
  if (cmd.auto) return 'auto';
  if (cmd.manual) return 'manual';
  return legacyDefaultStart(HostPaths.fromEnv(cmd.context.env));
}

const UUID_ARG = { name: 'mdev-UUID', required: true } as const;

export class StartMdevCommand extends LegacyCommand {
  static override paths = [['start-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Start a saved mdev (0.x; use start)',
    details: `
      The 0.x form of 'mdevctl start -u UUID': starts the device defined with this UUID.
    `,
    examples: [['Start an mdev device we already know about', 'mdevctl start-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847']],
  });

  uuid = Option.String(UUID_ARG);

  protected replacement(): string {
    return `mdevctl start -u ${this.uuid}`;
  }

  async execute(): Promise<number> {
    this.deprecated();
    await this.context.app().start({ uuid: uuidValue(this.uuid, '<mdev-UUID>') });
    return 0;
  }
}

export class StopMdevCommand extends LegacyCommand {
  static override paths = [['stop-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Stop a running mdev; it stays saved (0.x; use stop)',
    details: `
      The 0.x form of 'mdevctl stop -u UUID'.
    `,
    examples: [
      ['Stop an mdev device (remove it, but it remains persistent)', 'mdevctl stop-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847'],
    ],
  });

  uuid = Option.String(UUID_ARG);

  protected replacement(): string {
    return `mdevctl stop -u ${this.uuid}`;
  }

  async execute(): Promise<number> {
    this.deprecated();
    await this.context.app().stop(uuidValue(this.uuid, '<mdev-UUID>'));
    return 0;
  }
}

export class RemoveMdevCommand extends LegacyCommand {
  static override paths = [['remove-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Remove a saved mdev, stopping it if active (0.x; use stop and undefine)',
    details: `
      Stops the device when it runs ('mdevctl stop -u UUID'), then removes its definitions under every parent ('mdevctl undefine -u UUID'). It is an error when the UUID is neither running nor defined.
    `,
    examples: [['Remove an mdev, stopping it if active', 'mdevctl remove-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847']],
  });

  uuid = Option.String(UUID_ARG);

  protected replacement(): string {
    return `mdevctl stop -u ${this.uuid}; mdevctl undefine -u ${this.uuid}`;
  }

  async execute(): Promise<number> {
    this.deprecated();
    const uuid = uuidValue(this.uuid, '<mdev-UUID>');
    const app = this.context.app();
    const active = app.host.sysfs.activeDevice(uuid) !== undefined;
    const scan = app.host.store.scan({ uuid });
    const defined = scan.devices.length + scan.problems.length > 0;
    if (!active && !defined) throw new MdevctlError('No devices match the specified uuid');
    if (active) await app.stop(uuid);
    if (defined) await app.undefine(uuid, undefined);
    return 0;
  }
}

export class CreateMdevCommand extends LegacyCommand {
  static override paths = [['create-mdev']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Save an mdev and start it unless it is manual (0.x; use define and start)',
    details: `
      Defines the device ('mdevctl define -u UUID -p PARENT -t TYPE [--auto]') and, when its start policy is auto, starts it ('mdevctl start -u UUID -p PARENT'). Without --auto or --manual the policy is the 0.x system default: 'start=' in /etc/mdevctl.conf, else auto. As in 0.x, the options may also come before the command.
    `,
    examples: [
      ['Create an mdev device', 'mdevctl create-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847 0000:00:02.0 i915-GVTg_V4_8'],
      ['Save one without starting it', 'mdevctl --manual create-mdev ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847 mtty mtty-2'],
    ],
  });

  auto = Option.Boolean('--auto', false, AUTO_HELP);
  manual = Option.Boolean('--manual', false, MANUAL_HELP);
  uuid = Option.String(UUID_ARG);
  parent = Option.String({ name: 'parent-device', required: true });
  type = Option.String({ name: 'mdev_type', required: true });

  private policy: StartPolicy = 'auto';

  protected replacement(): string {
    const define = `mdevctl define -u ${this.uuid} -p ${this.parent} -t ${this.type}`;
    return this.policy === 'auto' ? `${define} --auto; mdevctl start -u ${this.uuid}` : define;
  }

  async execute(): Promise<number> {
    const start = chosenPolicy(this);
    this.policy = start;
    this.deprecated();
    const uuid = uuidValue(this.uuid, '<mdev-UUID>');
    const parent = nameValue(this.parent, '<parent-device>');
    const type = nameValue(this.type, '<mdev_type>');
    const app = this.context.app();
    await app.define({ uuid, parent, type, auto: start === 'auto' });
    if (start === 'auto') await app.start({ uuid, parent });
    return 0;
  }
}

export class SetStartCommand extends LegacyCommand {
  static override paths = [['set-start']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'Change the start policy of a saved mdev (0.x; use modify)',
    details: `
      The 0.x form of 'mdevctl modify -u UUID --auto|--manual', applied to the definitions under every parent. Without an option the 0.x system default policy is used: 'start=' in /etc/mdevctl.conf, else auto.
    `,
    examples: [['Start a saved mdev only on request', 'mdevctl set-start --manual ad8a4ad1-32cd-4cd4-8ab1-80a0e382b847']],
  });

  auto = Option.Boolean('--auto', false, AUTO_HELP);
  manual = Option.Boolean('--manual', false, MANUAL_HELP);
  uuid = Option.String(UUID_ARG);

  private policy: StartPolicy = 'auto';

  protected replacement(): string {
    return `mdevctl modify -u ${this.uuid} --${this.policy}`;
  }

  async execute(): Promise<number> {
    const start = chosenPolicy(this);
    this.policy = start;
    this.deprecated();
    const uuid = uuidValue(this.uuid, '<mdev-UUID>');
    const app = this.context.app();
    const parents = app.host.store.scan({ uuid }).devices.map((d) => d.parent);
    const change = { uuid, delattr: false, auto: start === 'auto', manual: start === 'manual', live: false, defined: false };
    if (parents.length === 0) await app.modify(change);
    for (const parent of parents) await app.modify({ ...change, parent });
    return 0;
  }
}

/** `list-all` and `list-available`: the 0.x type listing (no `Name:`; description on one line). */
abstract class LegacyTypesCommand extends LegacyCommand {
  protected abstract readonly availableOnly: boolean;

  protected replacement(): string {
    return 'mdevctl types';
  }

  async execute(): Promise<number> {
    this.deprecated();
    const app = this.context.app();
    let out = '';
    for (const [parent, types] of app.host.sysfs.typeGroups()) {
      out += `${textSafe(parent)}\n`;
      for (const t of types) {
        if (this.availableOnly && t.availableInstances === 0) continue;
        out += `  ${textSafe(t.type)}\n    Available instances: ${t.availableInstances}\n    Device API: ${textSafe(t.deviceApi)}\n`;
        const description = readDescription(app.host.paths, parent, t.type);
        if (description !== undefined) out += `    Description: ${textSafe(description)}\n`;
      }
    }
    this.print(out);
    return 0;
  }
}

/** 0.x printed `$(cat description | tr '\n' ' ')`: newlines become spaces, the last one too. */
function readDescription(paths: HostPaths, parent: string, type: string): string | undefined {
  try {
    return readFileSync(join(paths.typeDir(parent, type), 'description'), 'utf8').replaceAll('\n', ' ');
  } catch {
    return undefined;
  }
}

export class ListAllCommand extends LegacyTypesCommand {
  static override paths = [['list-all']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List all possible mdev types supported in the system (0.x; use types)',
    details: `
      Per parent: each type with its available instances, device API and description, as 0.x printed them.
    `,
    examples: [['List all possible mdev types supported in the system', 'mdevctl list-all']],
  });
  protected readonly availableOnly = false;
}

export class ListAvailableCommand extends LegacyTypesCommand {
  static override paths = [['list-available']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List all mdev types currently available (0.x; use types)',
    details: `
      As 'list-all', leaving out the types without an available instance.
    `,
    examples: [['List the types that can still be created', 'mdevctl list-available']],
  });
  protected readonly availableOnly = true;
}

/** A `list --dumpjson` result: `[{parent: [{uuid: {mdev_type, start, …}}]}]`. */
function listedDevices(json: string): Array<{ uuid: string; parent: string; type: string; start: string }> {
  const text = json.trim();
  if (text === '') return [];
  const out: Array<{ uuid: string; parent: string; type: string; start: string }> = [];
  for (const group of JSON.parse(text) as Array<Record<string, Array<Record<string, { mdev_type: string; start: string }>>>>) {
    for (const [parent, devices] of Object.entries(group)) {
      for (const device of devices) {
        for (const [uuid, config] of Object.entries(device)) {
          out.push({ uuid, parent, type: config.mdev_type, start: config.start });
        }
      }
    }
  }
  return out;
}

export class ListMdevsCommand extends LegacyCommand {
  static override paths = [['list-mdevs']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List currently configured mdevs (0.x; use list)',
    details: `
      One line per running device: 'UUID PARENT TYPE'.
    `,
    examples: [['List active mdev devices', 'mdevctl list-mdevs']],
  });

  protected replacement(): string {
    return 'mdevctl list';
  }

  async execute(): Promise<number> {
    this.deprecated();
    const devices = listedDevices(await this.context.app().list({ dumpjson: true }));
    this.print(devices.map((d) => `${textSafe(d.uuid)} ${textSafe(d.parent)} ${textSafe(d.type)}\n`).join(''));
    return 0;
  }
}

export class ListSavedCommand extends LegacyCommand {
  static override paths = [['list-saved']];
  static override usage = Command.Usage({
    category: LEGACY_CATEGORY,
    description: 'List all persistent mdevs, including inactive ones (0.x; use list --defined)',
    details: `
      One line per definition: 'UUID PARENT TYPE START', START being auto or manual.
    `,
    examples: [['List saved mdev devices', 'mdevctl list-saved']],
  });

  protected replacement(): string {
    return 'mdevctl list --defined';
  }

  async execute(): Promise<number> {
    this.deprecated();
    const devices = listedDevices(await this.context.app().list({ defined: true, dumpjson: true }));
    this.print(devices.map((d) => `${textSafe(d.uuid)} ${textSafe(d.parent)} ${textSafe(d.type)} ${textSafe(d.start)}\n`).join(''));
    return 0;
  }
}

export const LEGACY_COMMANDS = [
  CreateMdevCommand, ListAllCommand, ListAvailableCommand, ListMdevsCommand, ListSavedCommand, RemoveMdevCommand,
  SetStartCommand, StartMdevCommand, StopMdevCommand,
];
