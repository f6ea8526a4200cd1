// Opens the device backends plugins provide (MdevctlPlugin.backends), once per run, after the
// plugins are applied: each provider's cheap `detect` first, and `open` (which may import the
// backend's code) only when it found something, so a host without those parents never loads it.
// A provider or backend that is not what the SDK says, or that fails, is one line naming it.

import type { BackendHost, BackendProvider, DeviceBackend, MdevctlPlugin } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import { MdevctlError, firstLine, messageOf } from '../model/errors.js';
import { foreign } from '../lifecycle/unsettled.js';

/** The methods a backend must have (the optional ones are checked where they are called). */
const BACKEND_METHODS = [
  'parents', 'parentState', 'types', 'hasType', 'availableInstances', 'activeDevices', 'activeDevice', 'hasAttribute',
  'create', 'remove', 'writeAttribute',
] as const;

export async function openPluginBackends(host: Host, plugins: readonly MdevctlPlugin[], env: BackendHost['env']): Promise<void> {
  const providers = plugins.flatMap((plugin) => providersOf(plugin).map((provider) => ({ plugin, provider })));
  if (providers.length === 0) return;
  const backendHost = host.backendHost(env);
  const opened: DeviceBackend[] = [];
  for (const { plugin, provider } of providers) {
    const fail = (detail: string, cause?: unknown) =>
      new MdevctlError(`Plugin ${plugin.name}: backend ${provider.name} ${detail}`, cause === undefined ? undefined : { cause });
    let present: boolean;
    try {
      present = provider.detect === undefined || provider.detect(backendHost) === true;
    } catch (err) {
      throw fail(`failed to detect its parents: ${firstLine(messageOf(err))}`, err);
    }
    if (!present) {
      host.log.debug(`backend ${provider.name} (plugin ${plugin.name}): nothing detected, not opened`);
      continue;
    }
    let backend: unknown;
    try {
      backend = await foreign(`Plugin ${plugin.name}: backend ${provider.name}'s open()`, provider.open(backendHost));
    } catch (err) {
      throw fail(`failed to open: ${firstLine(messageOf(err))}`, err);
    }
    const missing = missingMethod(backend);
    if (missing !== undefined) throw fail(`opened no device backend (${missing})`);
    opened.push(backend as DeviceBackend);
    host.log.debug(`backend ${provider.name} (plugin ${plugin.name}) opened`);
  }
  host.sysfs.add(opened);
}

function providersOf(plugin: MdevctlPlugin): readonly BackendProvider[] {
  const list: unknown = plugin.backends;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new MdevctlError(`Plugin ${plugin.name}: its "backends" is not a list of backend providers`);
  for (const p of list as unknown[]) {
    const provider = p as Partial<BackendProvider> | null;
    if (typeof provider !== 'object' || provider === null || typeof provider.name !== 'string' || provider.name === '' || typeof provider.open !== 'function') {
      throw new MdevctlError(`Plugin ${plugin.name}: each of its "backends" needs a name and an open() function`);
    }
    if (provider.detect !== undefined && typeof provider.detect !== 'function') {
      throw new MdevctlError(`Plugin ${plugin.name}: backend ${provider.name}'s detect is not a function`);
    }
  }
  return list as readonly BackendProvider[];
}

/** Why `value` is no DeviceBackend, or undefined when it has every method and a name. */
function missingMethod(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const b = value as Record<string, unknown>;
  if (typeof b['name'] !== 'string' || b['name'] === '') return 'no name';
  const method = BACKEND_METHODS.find((m) => typeof b[m] !== 'function');
  if (method !== undefined) return `no ${method}() method`;
  if (typeof b['files'] !== 'object' || b['files'] === null) return 'no files';
  return undefined;
}
