// Deterministic device uuids of a desired-state file: a name-based (version 5) uuid of each
// device's key under the file's namespace, itself the v5 uuid of the file's `name` under
// mdevctl's own namespace (or the `namespace` the file gives). The same file yields the same
// uuids on every host and every run, so re-applying never churns them.

import { createRequire } from 'node:module';

/** mdevctl's namespace for desired-state files: v5('desired-state.mdevctl', DNS namespace). */
const MDEVCTL_NAMESPACE_SEED = 'desired-state.mdevctl';

function uuidLib(): typeof import('uuid') {
  return createRequire(import.meta.url)('uuid') as typeof import('uuid');
}

/** The namespace of a file that gives only a `name`. */
export function namespaceOf(name: string): string {
  const lib = uuidLib();
  return lib.v5(name, lib.v5(MDEVCTL_NAMESPACE_SEED, lib.v5.DNS));
}

/** The uuid of a device key (`device/<name>`, `request/<name>/<index>`) under a namespace. */
export function derivedUuid(namespace: string, key: string): string {
  return uuidLib().v5(key, namespace);
}

export function requestKey(request: string, index: number): string {
  return `request/${request}/${index}`;
}

/** mdevctl's namespace for profiles (sets of files that replace each other on a host). */
const MDEVCTL_PROFILE_SEED = 'desired-profile.mdevctl';

/** The namespace of a profile: the record of its files is kept per it. */
export function profileNamespaceOf(profile: string): string {
  const lib = uuidLib();
  return lib.v5(profile, lib.v5(MDEVCTL_PROFILE_SEED, lib.v5.DNS));
}

/** The namespace of the file `name` of a profile: derived from the profile's, so every device
 * uuid of every file of the profile is provably the profile's. */
export function profileFileNamespace(profileNamespace: string, name: string): string {
  return uuidLib().v5(name, profileNamespace);
}
