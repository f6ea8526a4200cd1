// What list-all and list-available (0.x) share: the 0.x type listing.

import type { MdevTypeInfo } from '@mdevctl/plugin-sdk';
import type { Mdevctl } from '../../app.js';
import { LegacyCommand } from './base.js';
import { textSafe } from '../../output/escape.js';

/** `list-all` and `list-available`: the 0.x type listing (no `Name:`; description on one line). */
export abstract class LegacyTypesCommand extends LegacyCommand {
  protected abstract readonly availableOnly: boolean;

  protected replacement(): string {
    return 'mdevctl types';
  }

  async execute(): Promise<number> {
    this.deprecated();
    const app = this.context.app();
    let out = '';
    for (const [parent, types] of await app.typeGroups()) {
      out += `${textSafe(parent)}\n`;
      for (const t of types) {
        if (this.availableOnly && t.availableInstances === 0) continue;
        out += `  ${textSafe(t.type)}\n    Available instances: ${t.availableInstances}\n    Device API: ${textSafe(t.deviceApi)}\n`;
        const description = readDescription(app, t);
        if (description !== undefined) out += `    Description: ${textSafe(description)}\n`;
      }
    }
    this.print(out);
    return 0;
  }
}

/**
 * 0.x printed `$(cat description | tr '\n' ' ')`: newlines become spaces, the last one too. A
 * parent of another backend (no such file) has its backend's description.
 */
function readDescription(app: Mdevctl, t: MdevTypeInfo): string | undefined {
  return app.host.readFile(`sys/class/mdev_bus/${t.parent}/mdev_supported_types/${t.type}/description`)?.replaceAll('\n', ' ') ?? t.description;
}
