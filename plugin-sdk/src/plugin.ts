// What a plugin is: a name, the devices it claims, and an apply() that taps the hooks.

import type { MdevctlHooks } from './hooks.js';

/** The SDK contract version. Core refuses plugins built for another major version. */
export const SDK_VERSION = '1.0.0';

/** Which devices a plugin is about. A plugin sees only devices that match. */
export interface DeviceClaim {
  /** Parent names (exact), or a predicate on the parent name. */
  readonly parents?: readonly string[] | ((parent: string) => boolean);
  /** Type names (exact), or a predicate on the type name. */
  readonly types?: readonly string[] | ((type: string) => boolean);
}

export interface MdevctlPlugin {
  /** A constant name, used as the tap name and in error messages. */
  readonly name: string;
  /** The SDK version the plugin was built against (use SDK_VERSION). */
  readonly sdkVersion: string;
  /** The devices this plugin is about; absent means it sees every device. */
  readonly claims?: DeviceClaim;
  apply(hooks: MdevctlHooks): void;
}

/** True when the device (parent and type) is one the claim covers. */
export function claimsDevice(claim: DeviceClaim | undefined, parent: string, type: string): boolean {
  if (!claim) return true;
  return matches(claim.parents, parent) && matches(claim.types, type);
}

function matches(spec: readonly string[] | ((v: string) => boolean) | undefined, value: string): boolean {
  if (spec === undefined) return true;
  return typeof spec === 'function' ? spec(value) : spec.includes(value);
}
