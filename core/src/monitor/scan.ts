// One scan of what the monitor compares: the definitions (through the DefinitionStore, read
// without the lock: each file is replaced by a rename, so a scan sees it whole or not at all) and
// each watched backend's parents and running devices.

import { basename } from 'node:path';
import type { DefinitionStore } from '../store/definition-store.js';
import type { WatchedBackend } from './backends.js';
import { definitionKey, type DefinitionState, type DefinitionsSnapshot, type DevicesSnapshot, type RunningState } from './events.js';

/**
 * The definitions now. A file that cannot be read or parsed right now (being written by hand, a
 * bad edit) keeps the state it had in `previous`: it is neither undefined nor defined until it
 * is readable again or gone.
 */
export function scanDefinitions(store: DefinitionStore, previous: DefinitionsSnapshot): DefinitionsSnapshot {
  const { devices, problems } = store.scan();
  const definitions = new Map<string, DefinitionState>();
  for (const d of devices) {
    definitions.set(definitionKey(d.parent, d.uuid), {
      uuid: d.uuid,
      parent: d.parent,
      type: d.type,
      start: d.start,
      attrs: JSON.stringify(d.attrs),
    });
  }
  for (const p of problems) {
    if (p.parent === undefined) continue;
    const key = definitionKey(p.parent, basename(p.path));
    const known = previous.definitions.get(key);
    if (known !== undefined) definitions.set(key, known);
  }
  return { definitions };
}

/** One backend's parents and running devices now. */
export function scanBackend(backend: WatchedBackend): DevicesSnapshot {
  const running = new Map<string, RunningState>();
  for (const d of backend.activeDevices()) running.set(d.uuid, { uuid: d.uuid, parent: d.parent, type: d.type });
  return { running, parents: new Set(backend.parents()) };
}
