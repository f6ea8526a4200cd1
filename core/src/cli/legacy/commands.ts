// The commands of the 0.x shell mdevctl (upstream's first commits, seed 001), kept as
// deprecated aliases: their 0.x arguments and output, each run through the application's
// methods (and so through the same lifecycle pipeline, call-outs and validation as the 1.x
// commands). Each prints one deprecation line on stderr naming the command to use instead.
//
// The 0.x script took `--auto`/`--manual` before the command (`mdevctl --manual create-mdev …`);
// `reorderLegacyArgs` moves them behind it so both orders work.
//
// One command per file beside this one; base.ts holds what they share.

import { CreateMdevCommand } from './create-mdev.js';
import { ListAllCommand } from './list-all.js';
import { ListAvailableCommand } from './list-available.js';
import { ListMdevsCommand } from './list-mdevs.js';
import { ListSavedCommand } from './list-saved.js';
import { RemoveMdevCommand } from './remove-mdev.js';
import { SetStartCommand } from './set-start.js';
import { StartMdevCommand } from './start-mdev.js';
import { StopMdevCommand } from './stop-mdev.js';

export { LEGACY_CATEGORY, LEGACY_COMMAND_NAMES, reorderLegacyArgs } from './base.js';

export const LEGACY_COMMANDS = [
  CreateMdevCommand, ListAllCommand, ListAvailableCommand, ListMdevsCommand, ListSavedCommand, RemoveMdevCommand,
  SetStartCommand, StartMdevCommand, StopMdevCommand,
];
