// What a plugin is: a name, the devices it claims, and an apply() that taps the hooks; what a
// plugin package exports (a factory taking the admin's options); and which devices a claim covers.

import type { MdevctlHooks } from './hooks.js';
import type { LifecycleContext } from './context.js';
import type { BackendProvider } from './device-backend.js';

/**
 * The SDK contract version (semver). Core refuses a plugin built for another major version, or
 * for a newer minor version than core provides (it may tap hooks this core does not have).
 */
export const SDK_VERSION = '1.4.0';

/** Which devices a plugin is about. A plugin with claims sees only devices that match. */
export interface DeviceClaim {
  /** Parent names (exact), or a predicate on the parent name. Absent: any parent. */
  readonly parents?: readonly string[] | ((parent: string) => boolean);
  /** Type names (exact), or a predicate on the type name. Absent: any type. */
  readonly types?: readonly string[] | ((type: string) => boolean);
}

export interface MdevctlPlugin {
  /** A constant name, used as the tap name, in error messages and to turn the plugin off. */
  readonly name: string;
  /** The SDK version the plugin was built against (use SDK_VERSION). */
  readonly sdkVersion: string;
  /** The devices this plugin is about; absent means it sees every device. */
  readonly claims?: DeviceClaim;
  /**
   * Device backends this plugin provides (since SDK 1.4): each owns the parents it detects,
   * beside the kernel's mdev bus (device-backend.ts). Absent: none.
   */
  readonly backends?: readonly BackendProvider[];
  apply(hooks: MdevctlHooks): void;
}

/** Options an admin gives a plugin in mdevctl's configuration file (JSON values). */
export type PluginOptions = Readonly<Record<string, unknown>>;

/**
 * What core gives a plugin besides its options: the run's environment variables and where its
 * own output to the user goes. A plugin reads these, never `process.env` or `process.stderr`.
 */
export interface PluginEnvironment {
  /** The environment of this mdevctl run. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes text to the run's stderr as it stands. */
  readonly writeStderr: (text: string) => void;
}

/**
 * The default export of a plugin package: called once per command with the plugin's options
 * from the configuration file (`{}` when none) and the run's environment. It may also be async.
 */
export type PluginFactory<O = PluginOptions> = (options: O, environment: PluginEnvironment) => MdevctlPlugin | Promise<MdevctlPlugin>;

/** True when the device (parent and type) is one the claim covers. */
export function claimsDevice(claim: DeviceClaim | undefined, parent: string, type: string): boolean {
  if (!claim) return true;
  return matches(claim.parents, parent) && matches(claim.types, type);
}

/**
 * True when a lifecycle run is one the claim covers: its device, the stored definition it
 * replaces, or the running device it acts on is claimed (a modify that changes the type is seen
 * by the plugins of both types). A run whose device is not built yet is covered only without claims.
 */
export function claimsRun(claim: DeviceClaim | undefined, ctx: Pick<LifecycleContext, 'device' | 'previous' | 'active'>): boolean {
  if (!claim) return true;
  return [ctx.device, ctx.previous, ctx.active].some((d) => d !== undefined && claimsDevice(claim, d.parent, d.type));
}

/**
 * Why a plugin built for SDK `version` cannot run with this SDK (SDK_VERSION), or undefined when
 * it can: same major version, and a minor version no newer than this one.
 */
export function sdkVersionProblem(version: unknown): string | undefined {
  const wanted = parseVersion(version);
  if (!wanted) return `has no valid sdkVersion (${JSON.stringify(version) ?? 'undefined'}); set it to SDK_VERSION`;
  const provided = parseVersion(SDK_VERSION) as [number, number];
  if (wanted[0] === provided[0] && wanted[1] <= provided[1]) return undefined;
  const newer = wanted[0] > provided[0] || (wanted[0] === provided[0] && wanted[1] > provided[1]);
  return `was built for plugin SDK ${String(version)}, but this mdevctl provides SDK ${SDK_VERSION}; update ${newer ? 'mdevctl' : 'the plugin'}`;
}

function parseVersion(version: unknown): [number, number] | undefined {
  const m = typeof version === 'string' ? /^(\d+)\.(\d+)\.\d+(?:[-+].*)?$/.exec(version) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function matches(spec: readonly string[] | ((v: string) => boolean) | undefined, value: string): boolean {
  if (spec === undefined) return true;
  return typeof spec === 'function' ? spec(value) : spec.includes(value);
}
