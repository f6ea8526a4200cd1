// Which parents may host a counted request: the registered mdev parents its `parents` list or
// selector admits (names or glob patterns, the parent's driver), each with the type the request
// gets there — by the type's directory name, or by its `name` file (as KubeVirt matches).

import type { MdevTypeInfo } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { DesiredRequest, ParentSelector } from './file.js';

export interface CandidateParent {
  readonly parent: string;
  readonly type: string;
}

/** A glob (`*`, `?`, `[...]`) as an anchored regular expression; other characters are literal. */
export function globRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The driver a parent device is bound to (basename of its `driver` link), if its backend knows. */
export function parentDriver(host: Host, parent: string): string | undefined {
  return host.sysfs.parentDriver(parent);
}

/** The parents named (in the list's order, a pattern's matches sorted), without repeats. */
export function selectParents(host: Host, selector: ParentSelector): string[] {
  const all = host.sysfs.parents();
  const out: string[] = [];
  const names = selector.names ?? ['*'];
  for (const n of names) {
    const re = globRegExp(n);
    for (const p of all) if (re.test(p) && !out.includes(p)) out.push(p);
  }
  return selector.driver === undefined ? out : out.filter((p) => parentDriver(host, p) === selector.driver);
}

/** The parents that may host the request, each with the request's type on it. */
export function candidateParents(host: Host, request: DesiredRequest, typesOf: (parent: string) => readonly MdevTypeInfo[]): CandidateParent[] {
  const out: CandidateParent[] = [];
  for (const parent of selectParents(host, request.parents)) {
    const t = typesOf(parent).find((info) => (request.type !== undefined ? info.type === request.type : info.name === request.typeName));
    if (t !== undefined) out.push({ parent, type: t.type });
  }
  return out;
}

/** Literal parent names of a selector (no pattern characters): what --wait-parents waits for. */
export function literalParents(selector: ParentSelector): string[] {
  return (selector.names ?? []).filter((n) => !/[*?[]/.test(n));
}
