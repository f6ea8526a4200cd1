// The desired-state file of `mdevctl apply/diff/assert`: YAML or JSON (read with js-yaml, the
// parser cosmiconfig already brings; JSON is YAML), checked field by field. Every problem names the
// file, the line of the entry and the field: `lab.yaml:7: requests[0].count: must be ...`.
//
//   profile: gpu         # optional: the set of files that replace each other on a host
//   name: lab            # or namespace: <uuid>: the file's identity, seed of its device uuids
//   devices:             # explicit devices
//     - name: console    # or uuid: <uuid>
//       parent: mtty
//       type: mtty-1
//       start: auto      # stored start policy (default auto)
//       active: true     # running after apply (default true)
//       attrs: [{name: value}]
//   requests:            # counted requests, placed over the parents that may host them
//     - name: desktops   # default: the type
//       type: mdpy-vga   # or typeName: the type's `name` file, as KubeVirt matches
//       count: 4
//       parents: [mdpy]  # names or glob patterns, or {name: PATTERN, driver: DRIVER}
//       placement: spread  # spread | pack | one-type-per-parent | a plugin's policy

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { Attribute, StartPolicy } from '@mdevctl/plugin-sdk';
import { MdevctlError, describeOsError } from '../model/errors.js';
import { attributeValueProblem, nameProblem, quoted } from '../model/names.js';
import { parseUuid } from '../model/uuid.js';
import { profileFileNamespace, profileNamespaceOf } from './keys.js';

/** A desired-state file is small; anything bigger is refused before it is parsed. */
export const MAX_DESIRED_BYTES = 4 * 1024 * 1024;
export const MAX_COUNT = 65536;

export const BUILTIN_POLICIES = ['spread', 'pack', 'one-type-per-parent'] as const;

export interface ParentSelector {
  /** Parent names or glob patterns (`*`, `?`, `[...]`); any one matching admits a parent. */
  readonly names?: readonly string[];
  /** The parent device's driver (basename of its `driver` link). */
  readonly driver?: string;
}

export interface DesiredDeviceEntry {
  /** `device/<name>` or `uuid/<uuid>`: what the device's uuid is derived from. */
  readonly key: string;
  readonly label: string;
  readonly uuid?: string;
  readonly parent: string;
  readonly type: string;
  readonly start: StartPolicy;
  readonly active: boolean;
  readonly attrs: readonly Attribute[];
  readonly line: number;
}

export interface DesiredRequest {
  readonly name: string;
  /** The type's directory name, or (typeName) its `name` file. */
  readonly type?: string;
  readonly typeName?: string;
  readonly count: number;
  readonly parents: ParentSelector;
  readonly placement: string;
  readonly start: StartPolicy;
  readonly active: boolean;
  readonly attrs: readonly Attribute[];
  readonly line: number;
}

export interface DesiredFile {
  readonly path: string;
  /** The namespace uuid every device uuid of the file is derived from. */
  readonly namespace: string;
  /** The `name` given, or the namespace. */
  readonly name: string;
  /** The profile the file belongs to (files that replace each other on a host), if any. */
  readonly profile?: string;
  /** The namespace the record is kept per: the profile's, else the file's own. */
  readonly recordNamespace: string;
  readonly devices: readonly DesiredDeviceEntry[];
  readonly requests: readonly DesiredRequest[];
}

type Obj = Record<string, unknown>;

/** Reads and checks the file; throws one MdevctlError naming the first problem. */
export async function readDesiredFile(path: string, deriveNamespace: (name: string) => string): Promise<DesiredFile> {
  let text: string;
  try {
    const bytes = readBounded(path, MAX_DESIRED_BYTES + 1);
    if (bytes.length > MAX_DESIRED_BYTES) throw new MdevctlError(`${path}: the file is larger than ${MAX_DESIRED_BYTES} bytes`);
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    if (err instanceof MdevctlError) throw err;
    if (err instanceof TypeError) throw new MdevctlError(`${path}: the file is not valid UTF-8`);
    throw new MdevctlError(`Unable to read desired-state file ${path}: ${describeOsError(err)}`);
  }
  const { value, lines } = await parseText(text, path);
  const bad = findLoneSurrogate(value);
  if (bad !== undefined) throw new MdevctlError(`${path}: ${bad} holds a lone surrogate (an escape such as "\\ud800" that is half of a character): not valid Unicode text`);
  return new FileChecker(path, lines).file(value, deriveNamespace);
}

/** At most `limit` bytes of the file; a FIFO or a device is refused, never waited on. */
function readBounded(path: string, limit: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new MdevctlError(`${path}: not a regular file (a desired-state file is read whole, never from a pipe or a device)`);
    const buf = Buffer.allocUnsafe(limit);
    let total = 0;
    while (total < limit) {
      const n = readSync(fd, buf, total, limit - total, null);
      if (n === 0) break;
      total += n;
    }
    return buf.subarray(0, total);
  } finally {
    closeSync(fd);
  }
}

/** Where in the parsed value a string (or key) holds a lone UTF-16 surrogate, if anywhere. */
function findLoneSurrogate(value: unknown, at = 'the file'): string | undefined {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  if (typeof value === 'string') return lone.test(value) ? at : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = findLoneSurrogate(v, `${at}[${i}]`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const where = at === 'the file' ? 'a field' : `${at}`;
      if (lone.test(k)) return `a field name under ${where}`;
      const hit = findLoneSurrogate(v, at === 'the file' ? k : `${at}.${k}`);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

async function parseText(text: string, path: string): Promise<{ value: unknown; lines: WeakMap<object, number> }> {
  const yaml = (await import('js-yaml')).default;
  const lines = new WeakMap<object, number>();
  const open: number[] = [];
  try {
    const value = yaml.load(text, {
      filename: basename(path),
      listener: (event, state) => {
        if (event === 'open') open.push(state.line);
        else {
          const line = open.pop() ?? 0;
          const r = state.result;
          if (typeof r === 'object' && r !== null && !lines.has(r)) lines.set(r, line + 1);
        }
      },
    });
    return { value, lines };
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number } };
    if (e.mark !== undefined) {
      throw new MdevctlError(`${path}:${e.mark.line + 1}:${e.mark.column + 1}: ${e.reason ?? 'syntax error'}`);
    }
    throw new MdevctlError(`${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

class FileChecker {
  constructor(
    private readonly path: string,
    private readonly lines: WeakMap<object, number>,
  ) {}

  file(value: unknown, deriveNamespace: (name: string) => string): DesiredFile {
    const top = this.object(value, undefined, '(top level)');
    this.keys(top, 'the file', ['version', 'profile', 'name', 'namespace', 'devices', 'requests'], top);
    if (top['version'] !== undefined && top['version'] !== 1) this.fail(top, 'version', 'must be 1');
    const name = this.optString(top, 'name', top);
    const nsText = this.optString(top, 'namespace', top);
    const profile = this.optString(top, 'profile', top);
    let namespace: string;
    let recordNamespace: string | undefined;
    if (profile !== undefined) {
      if (nsText !== undefined) this.fail(top, 'namespace', 'a file of a profile takes its namespace from the profile; give a name, not a namespace');
      if (name === undefined) this.fail(top, 'name', 'a file of a profile needs a name (its devices\' uuids derive from the profile and the name)');
      recordNamespace = profileNamespaceOf(profile);
      namespace = profileFileNamespace(recordNamespace, name);
    } else if (nsText !== undefined) {
      const ns = parseUuid(nsText);
      if (ns === undefined) this.fail(top, 'namespace', `${quoted(nsText)} is not a uuid`);
      namespace = ns;
    } else if (name !== undefined) {
      namespace = deriveNamespace(name);
    } else {
      this.fail(top, 'name', 'the file needs a name (or a namespace uuid): its device uuids are derived from it');
    }
    const devices = this.list(top, 'devices').map((d, i) => this.device(d, `devices[${i}]`, top));
    const requests = this.list(top, 'requests').map((r, i) => this.request(r, `requests[${i}]`, top));
    const seen = new Map<string, string>();
    for (const [i, d] of devices.entries()) {
      const other = seen.get(d.key);
      if (other !== undefined) this.failAt(d.line, `devices[${i}]`, `the same device as ${other}`);
      seen.set(d.key, `devices[${i}]`);
    }
    const names = new Map<string, number>();
    for (const [i, r] of requests.entries()) {
      const other = names.get(r.name);
      if (other !== undefined) this.failAt(r.line, `requests[${i}].name`, `${quoted(r.name)} is also the name of requests[${other}] (give each request its own name)`);
      names.set(r.name, i);
    }
    const out = { path: this.path, namespace, name: name ?? namespace, recordNamespace: recordNamespace ?? namespace, devices, requests };
    return profile !== undefined ? { ...out, profile } : out;
  }

  private device(value: unknown, at: string, parent: Obj): DesiredDeviceEntry {
    const o = this.object(value, parent, at);
    this.keys(o, at, ['name', 'uuid', 'parent', 'type', 'start', 'active', 'attrs'], o);
    const name = this.optString(o, 'name', o, at);
    const uuidText = this.optString(o, 'uuid', o, at);
    let uuid: string | undefined;
    if (uuidText !== undefined) {
      uuid = parseUuid(uuidText);
      if (uuid === undefined) this.fail(o, 'uuid', `${quoted(uuidText)} is not a uuid`, at);
    }
    if (name === undefined && uuid === undefined) this.fail(o, 'name', 'a device needs a name or a uuid', at);
    const parentName = this.nameField(o, 'parent', at);
    const type = this.nameField(o, 'type', at);
    const key = uuid !== undefined ? `uuid/${uuid}` : `device/${name as string}`;
    const entry = {
      key,
      label: name ?? (uuid as string),
      parent: parentName,
      type,
      ...this.startAndActive(o, at),
      attrs: this.attrs(o, at),
      line: this.lineOf(o),
    };
    return uuid !== undefined ? { ...entry, uuid } : entry;
  }

  private request(value: unknown, at: string, parent: Obj): DesiredRequest {
    const o = this.object(value, parent, at);
    this.keys(o, at, ['name', 'type', 'typeName', 'count', 'parents', 'placement', 'start', 'active', 'attrs'], o);
    const type = o['type'] !== undefined ? this.nameField(o, 'type', at) : undefined;
    const typeName = this.optString(o, 'typeName', o, at);
    if ((type === undefined) === (typeName === undefined)) this.fail(o, 'type', 'give one of type (the mdev type) or typeName (its name)', at);
    const count = o['count'];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
      this.fail(o, 'count', `must be a whole number from 0 to ${MAX_COUNT}`, at);
    }
    const placement = this.optString(o, 'placement', o, at) ?? 'spread';
    if (!/^[a-z][a-z0-9-]*$/.test(placement)) this.fail(o, 'placement', `${quoted(placement)} is not a policy name (lower case, digits, -)`, at);
    const name = this.optString(o, 'name', o, at) ?? type ?? (typeName as string);
    if (name === '' || /[/\n]/.test(name)) this.fail(o, 'name', 'must not be empty or contain / or a newline', at);
    const req = {
      name,
      count,
      parents: this.selector(o, at),
      placement,
      ...this.startAndActive(o, at),
      attrs: this.attrs(o, at),
      line: this.lineOf(o),
    };
    return type !== undefined ? { ...req, type } : { ...req, typeName: typeName as string };
  }

  private selector(o: Obj, at: string): ParentSelector {
    const v = o['parents'];
    if (v === undefined) this.fail(o, 'parents', 'say which parents may host the devices (a list of names or patterns, or {name, driver})', at);
    if (typeof v === 'string') return { names: [this.pattern(v, o, `${at}.parents`)] };
    if (Array.isArray(v)) {
      if (v.length === 0) this.fail(o, 'parents', 'the list is empty', at);
      return { names: v.map((p, i) => (typeof p === 'string' ? this.pattern(p, o, `${at}.parents[${i}]`) : this.failAt(this.lineOf(o), `${at}.parents[${i}]`, 'must be a string'))) };
    }
    const s = this.object(v, o, `${at}.parents`);
    this.keys(s, `${at}.parents`, ['name', 'driver'], s);
    const name = this.optString(s, 'name', s, `${at}.parents`);
    const driver = this.optString(s, 'driver', s, `${at}.parents`);
    if (name === undefined && driver === undefined) this.fail(s, 'name', 'a selector needs a name pattern or a driver', `${at}.parents`);
    const sel: { names?: string[]; driver?: string } = {};
    if (name !== undefined) sel.names = [this.pattern(name, s, `${at}.parents.name`)];
    if (driver !== undefined) sel.driver = driver;
    return sel;
  }

  private pattern(p: string, o: Obj, at: string): string {
    if (p === '' || p.includes('/') || p.includes('\n')) this.failAt(this.lineOf(o), at, `${quoted(p)} is not a parent name or pattern`);
    return p;
  }

  /**
   * `active: false` without `start` means manual (an auto device would come back at boot);
   * `start: auto` with `active: false` contradicts itself and is refused.
   */
  private startAndActive(o: Obj, at: string): { start: StartPolicy; active: boolean } {
    const active = this.bool(o, 'active', at, true);
    const v = o['start'];
    if (v === undefined) return { start: active ? 'auto' : 'manual', active };
    if (v !== 'auto' && v !== 'manual') this.fail(o, 'start', 'must be auto or manual', at);
    if (v === 'auto' && !active) {
      this.fail(o, 'start', 'auto with active: false contradicts itself: an auto device is started at boot, so it would not stay stopped (use start: manual, or leave start out)', at);
    }
    return { start: v, active };
  }

  private bool(o: Obj, key: string, at: string, dflt: boolean): boolean {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(o, key, 'must be true or false', at);
    return v;
  }

  private attrs(o: Obj, at: string): Attribute[] {
    const v = o['attrs'];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(o, 'attrs', 'must be a list of {name: value}', at);
    return v.map((item, i) => {
      const where = `${at}.attrs[${i}]`;
      const line = typeof item === 'object' && item !== null ? this.lineOf(item as Obj) : this.lineOf(o);
      if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 1) {
        this.failAt(line, where, 'must be one {name: value}');
      }
      const [name, value] = Object.entries(item as Obj)[0] as [string, unknown];
      // As --jsonfile: a value is a string (quote numbers: "5"; YAML would read 05 as 5, 0x5 as 5).
      const text = value;
      if (typeof text !== 'string') this.failAt(line, where, `the value of ${quoted(name)} must be a string (quote it: ${quoted(name)}: "${typeof value === 'number' ? String(value) : '...'}")`);
      const problem = nameProblem(name) ?? attributeValueProblem(text);
      if (problem !== undefined) this.failAt(line, where, `${quoted(name)}: ${problem}`);
      return { name, value: text };
    });
  }

  private nameField(o: Obj, key: string, at: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(o, key, v === undefined ? 'is missing' : 'must be a string', at);
    const problem = nameProblem(v);
    if (problem !== undefined) this.fail(o, key, `${quoted(v)}: ${problem}`, at);
    return v;
  }

  private optString(o: Obj, key: string, lineOf: Obj, at?: string): string | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') this.fail(lineOf, key, 'must be a non-empty string', at);
    return v;
  }

  private list(o: Obj, key: string): unknown[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(o, key, 'must be a list');
    return v;
  }

  private object(v: unknown, parent: Obj | undefined, at: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.failAt(parent !== undefined ? this.lineOf(parent) : 1, at, 'must be a mapping (key: value)');
    }
    return v as Obj;
  }

  private keys(o: Obj, at: string, known: readonly string[], lineOf: Obj): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.failAt(this.lineOf(lineOf), at === 'the file' ? k : `${at}.${k}`, `unknown field (known: ${known.join(', ')})`);
    }
  }

  private lineOf(o: object): number {
    return this.lines.get(o) ?? 1;
  }

  private fail(o: Obj, key: string, message: string, at?: string): never {
    return this.failAt(this.lineOf(o), at !== undefined ? `${at}.${key}` : key, message);
  }

  private failAt(line: number, field: string, message: string): never {
    throw new MdevctlError(`${this.path}:${line}: ${field}: ${message}`);
  }
}
