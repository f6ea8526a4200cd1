// Opens the device backends plugins provide (MdevctlPlugin.backends), once per run, after the
// plugins are applied: each provider's cheap `detect` first, and `open` (which may import the
// backend's code) only when it found something, so a host without those parents never loads it.
// Host.redetect asks the providers that found nothing again (a wait for parents that appear late).
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
  // Those open already are left alone (a second call, after a provider's prepare, opens the rest).
  const open = new Set(host.sysfs.all().map((b) => b.name));
  const providers = plugins.flatMap((plugin) => providersOf(plugin).filter((p) => !open.has(p.name)).map((provider) => ({ plugin, provider })));
  if (providers.length === 0) return;
  const backendHost = host.backendHost(env);
  let waiting = providers;
  /** Opens the providers that detect something now; the others wait for the next call. */
  const detectAndOpen = async (): Promise<void> => {
    const opened: DeviceBackend[] = [];
    const still: typeof providers = [];
    for (const entry of waiting) {
      const backend = await openIfPresent(host, backendHost, entry.plugin, entry.provider);
      if (backend) opened.push(backend);
      else still.push(entry);
    }
    waiting = still;
    host.sysfs.add(opened);
  };
  await detectAndOpen();
  host.redetect = async () => {
    if (waiting.length > 0) await detectAndOpen();
  };
}

async function openIfPresent(host: Host, backendHost: BackendHost, plugin: MdevctlPlugin, provider: BackendProvider): Promise<DeviceBackend | undefined> {
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
    return undefined;
  }
  let backend: unknown;
  try {
    backend = await foreign(`Plugin ${plugin.name}: backend ${provider.name}'s open()`, provider.open(backendHost));
  } catch (err) {
    throw fail(`failed to open: ${firstLine(messageOf(err))}`, err);
  }
  const missing = missingMethod(backend);
  if (missing !== undefined) throw fail(`opened no device backend (${missing})`);
  host.log.debug(`backend ${provider.name} (plugin ${plugin.name}) opened`);
  return backend as DeviceBackend;
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
