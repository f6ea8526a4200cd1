// The definitions of the 0.x shell mdevctl, as upstream's first commits stored them:
//
// - 0.1 (the initial commit): `/etc/mdev.d/<parent>/<uuid>`, a plain-text file holding just the
//   mdev type (`echo $mdev_type > …`). Every saved device was started when its parent appeared.
// - 0.2 to the last pre-JSON 0.x (commits 9e84529..d74bf93): `/etc/mdevctl.d/<parent>/<uuid>`
//   with `key=value` lines, `mdev_type=<type>` and `start=auto|manual`; a missing `start` took
//   the system default from `/etc/mdevctl.conf` (`start=…`, itself defaulting to `auto`).
//
// 1.x reads only JSON at `/etc/mdevctl.d/<parent>/<uuid>`, so these are invisible (0.1) or
// reported as malformed (key=value) until `mdevctl import-legacy` converts them.

import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { describeOsError } from '../../model/errors.js';
import { nameProblem } from '../../model/names.js';
import { compareBytes } from '../../model/order.js';
import { parseUuid } from '../../model/uuid.js';
import { isDir, isFile } from '../../host/fs.js';

/** 0.1's definitions dir, relative to the root. */
export const LEGACY_01_DIR = 'etc/mdev.d';
/** 0.x's system defaults (`start=auto|manual`), relative to the root. */
export const LEGACY_CONF = 'etc/mdevctl.conf';
/** Where `import-legacy --apply` moves the key=value files it replaced, relative to the root. */
export const LEGACY_BACKUP_DIR = 'etc/mdevctl-0.x-backup';
/**
 * The suffix of a backup whose import has not finished: written before the 0.x file goes, renamed
 * to its final name once the device is defined. One still there with no definition is a device
 * an import was killed in the middle of: the next import takes it from there.
 */
export const PENDING_SUFFIX = '.importing';

export type StartPolicy = 'auto' | 'manual';

/** `type-file`: 0.1's plain type name; `key-value`: the later `mdev_type=`/`start=` lines. */
export type LegacyFormat = 'type-file' | 'key-value';

export interface LegacyDefinition {
  /** Absolute path of the 0.x file. */
  readonly source: string;
  readonly format: LegacyFormat;
  readonly parent: string;
  readonly uuid: string;
  readonly type: string;
  readonly start: StartPolicy;
  /** Absolute path of the JSON definition it becomes. */
  readonly target: string;
  /** Whether the source is replaced by the target (a key=value file under etc/mdevctl.d). */
  readonly replacesSource: boolean;
  /** The source is a pending backup (PENDING_SUFFIX) of an interrupted import. */
  readonly pendingBackup?: boolean;
}

export interface LegacyProblem {
  readonly source: string;
  readonly message: string;
}

export interface LegacyScan {
  /** key=value files first, then 0.1 files; each group by parent, then file name. */
  readonly definitions: LegacyDefinition[];
  readonly problems: LegacyProblem[];
}

/** `read_config` of the 0.x script: `key=value` lines (split at the first `=`), others ignored. */
export function parseKeyValue(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/** The system default start policy of 0.x (`/etc/mdevctl.conf`), `auto` when unset. */
export function legacyDefaultStart(paths: HostPaths): StartPolicy {
  let text: string;
  try {
    text = readFileSync(join(paths.root, LEGACY_CONF), 'utf8');
  } catch {
    return 'auto';
  }
  return parseKeyValue(text).get('start') === 'manual' ? 'manual' : 'auto';
}

/** True when `text` is a 0.x definition rather than JSON. */
export function looksLegacy(text: string): boolean {
  const t = text.trimStart();
  return t !== '' && !t.startsWith('{');
}

/** Every 0.x definition under the root, and every 0.x file that cannot be converted. */
export function scanLegacy(paths: HostPaths): LegacyScan {
  const definitions: LegacyDefinition[] = [];
  const problems: LegacyProblem[] = [];
  const defaultStart = legacyDefaultStart(paths);
  const seen = new Set<string>();
  const visit = (base: string, format: LegacyFormat, pending = false) => {
    for (const parent of subdirs(base, format === 'key-value' ? ['scripts.d'] : [])) {
      for (const file of files(join(base, parent))) {
        if (pending !== file.endsWith(PENDING_SUFFIX)) continue;
        const name = pending ? file.slice(0, -PENDING_SUFFIX.length) : file;
        const source = join(base, parent, file);
        let text: string;
        try {
          text = readFileSync(source, 'utf8');
        } catch (err) {
          problems.push({ source, message: `unreadable: ${describeOsError(err)}` });
          continue;
        }
        // Under etc/mdevctl.d only the non-JSON files are 0.x ones; JSON is 1.x's own.
        if (format === 'key-value' && !looksLegacy(text)) continue;
        const parsed = parseLegacy(text, format, defaultStart);
        const uuid = parseUuid(name.replace(/^\{(.*)\}$/, '$1'));
        const problem =
          parsed.problem ??
          (uuid === undefined ? `the file name ${JSON.stringify(name)} is not a UUID` : undefined) ??
          withKind('parent', nameProblem(parent)) ??
          withKind('type', nameProblem(parsed.type ?? ''));
        if (problem !== undefined || uuid === undefined || parsed.type === undefined) {
          problems.push({ source, message: problem ?? 'invalid' });
          continue;
        }
        const target = paths.definitionFile(parent, uuid);
        // A pending backup whose 0.x file is still there: that file is the one to import.
        if (pending && seen.has(`${parent}/${uuid}`)) continue;
        seen.add(`${parent}/${uuid}`);
        definitions.push({
          source,
          format: parsed.format,
          parent,
          uuid,
          type: parsed.type,
          start: parsed.start,
          target,
          replacesSource: format === 'key-value' && !pending,
          ...(pending ? { pendingBackup: true } : {}),
        });
      }
    }
  };
  visit(paths.configBase, 'key-value');
  visit(join(paths.root, LEGACY_BACKUP_DIR), 'key-value', true);
  visit(join(paths.root, LEGACY_01_DIR), 'type-file');
  return { definitions, problems };
}

/**
 * How many 0.x definitions wait for import-legacy: the 0.x files among the definitions (which
 * 1.x cannot read), and the 0.1 files whose device is not defined yet.
 */
export function pendingLegacy(paths: HostPaths): number {
  const scan = scanLegacy(paths);
  const waiting = scan.definitions.filter((d) => d.replacesSource || !existsSync(d.target)).length;
  return waiting + scan.problems.filter((p) => p.source.startsWith(`${paths.configBase}/`)).length;
}

/** The backup path of a key=value file that `import-legacy --apply` replaces. */
export function backupPath(paths: HostPaths, def: LegacyDefinition): string {
  let name = def.source.slice(def.source.lastIndexOf('/') + 1);
  if (def.pendingBackup) name = name.slice(0, -PENDING_SUFFIX.length);
  return join(paths.root, LEGACY_BACKUP_DIR, def.parent, name);
}

interface Parsed {
  format: LegacyFormat;
  type?: string;
  start: StartPolicy;
  problem?: string;
}

function parseLegacy(text: string, where: LegacyFormat, defaultStart: StartPolicy): Parsed {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.some((l) => l.indexOf('=') > 0)) {
    const kv = parseKeyValue(text);
    const type = kv.get('mdev_type');
    const start = kv.get('start') ?? (where === 'type-file' ? 'auto' : defaultStart);
    if (type === undefined || type === '') return { format: 'key-value', start: 'auto', problem: 'no mdev_type' };
    if (start !== 'auto' && start !== 'manual') {
      return { format: 'key-value', start: 'auto', problem: `start=${start} is neither auto nor manual` };
    }
    return { format: 'key-value', type, start };
  }
  // 0.1: the file is the type name, and saved devices always started with their parent.
  if (lines.length !== 1) {
    return { format: 'type-file', start: 'auto', problem: lines.length === 0 ? 'empty' : 'neither a type name nor key=value lines' };
  }
  const type = lines[0] ?? '';
  // The kernel names every type `<driver>-<name>` (mtty-1, i915-GVTg_V5_4, vfio_ap-passthrough).
  if (!TYPE_NAME.test(type)) {
    return { format: 'type-file', start: 'auto', problem: `${JSON.stringify(type.length > 40 ? `${type.slice(0, 40)}…` : type)} is no mdev type name (the kernel names each type <driver>-<name>, like mtty-1)` };
  }
  return { format: 'type-file', type, start: 'auto' };
}

/** A type name as the kernel makes them: `<driver>-<name>`, no spaces. */
const TYPE_NAME = /^[^\s-][^\s]*-[^\s]+$/;

function withKind(kind: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `invalid ${kind} name: ${problem}`;
}

function subdirs(base: string, skip: string[]): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(base, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && !skip.includes(e.name) && isDir(join(base, e.name)))
    .map((e) => e.name)
    .sort(compareBytes);
}

function files(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && isFile(join(dir, e.name)))
    .map((e) => e.name)
    .sort(compareBytes);
}

