// mdevctl import-legacy [--apply]: converts the definitions of the 0.x shell mdevctl (see
// layout.ts) into JSON definitions. A dry run by default; --apply defines each device through
// the application (the define pipeline: validation, call-outs, atomic write). It never
// overwrites: a device already defined at the target is skipped. A key=value file replaced by
// its JSON definition is first copied to etc/mdevctl-0.x-backup/<parent>/<uuid>.importing
// (written whole and fsynced), then removed and the device defined, then the backup takes its
// final name: killed at any point, the device is defined or still importable — from the 0.x
// file, or from the pending backup, which the next import finds (after taking back what the
// killed define left half-done). 0.1's etc/mdev.d is only read.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'clipanion';
import type { Mdevctl } from '../../app.js';
import { HostPaths } from '../../host/paths.js';
import { StderrLogger } from '../../host/log.js';
import { SysfsReader } from '../../sysfs/reader.js';
import { describeOsError, messageOf } from '../../model/errors.js';
import { MdevctlCommand } from '../commands/base.js';
import { withProgress } from '../progress.js';
import { LEGACY_01_DIR, PENDING_SUFFIX, backupPath, scanLegacy, type LegacyDefinition } from './layout.js';
import { writeAll } from '@mdevctl/plugin-sdk';

export class ImportLegacyCommand extends MdevctlCommand {
  static override paths = [['import-legacy']];
  static override usage = Command.Usage({
    description: 'Convert definitions of the 0.x mdevctl into JSON definitions',
    details: `
      Looks for the definitions of the 0.x shell mdevctl: 'mdev_type=TYPE' and 'start=auto|manual' lines in /etc/mdevctl.d/PARENT/UUID (a missing 'start' takes the default of /etc/mdevctl.conf, else auto), and the type-only files of 0.1 in /etc/mdev.d/PARENT/UUID (started automatically). Without 'apply' it only shows what it would do. With 'apply' each device is defined like 'mdevctl define -u UUID -p PARENT -t TYPE [--auto]' would; an existing definition is never overwritten (the device is skipped). A converted /etc/mdevctl.d file is first moved to /etc/mdevctl-0.x-backup/PARENT/; /etc/mdev.d is left as it is.

      Lists one line per file and a summary on stdout; exits 1 when a file could not be converted.
    `,
    examples: [
      ['Show what would be converted', 'mdevctl import-legacy'],
      ['Convert', 'mdevctl import-legacy --apply'],
    ],
  });

  apply = Option.Boolean('--apply', false, { description: 'Write the definitions (default: only show what would be done)' });

  async execute(): Promise<number> {
    const paths = HostPaths.fromEnv(this.context.env);
    // Only writing needs a working installation (a dry run also works on a bare 0.x host).
    const app = this.apply ? this.context.app() : undefined;
    // A define killed half-way is taken back first, so the scan sees what is really defined.
    if (app) await app.recover();
    const scan = scanLegacy(paths);
    // A type no parent shows now may be one of a parent that is not there yet: said, not refused.
    const log = new StderrLogger(StderrLogger.fromEnv(this.context.env).level, (line) => void this.context.stderr.write(line));
    const known = new Set(new SysfsReader(paths).types().map((t) => t.type));
    for (const def of scan.definitions) {
      if (def.format === 'type-file' && !known.has(def.type)) {
        log.warn(`${def.source}: type ${def.type} exists on no parent of this host; check it before starting ${def.uuid}`);
      }
    }
    let converted = 0;
    let skipped = 0;
    let failed = 0;
    await withProgress(this.context.stderr, this.context.env, async (progress) => {
      for (const [i, def] of scan.definitions.entries()) {
        progress?.update(i + 1, scan.definitions.length, `${this.apply ? 'importing' : 'checking'} ${def.parent}/${def.uuid}`);
        if (existsSync(def.target) && def.target !== def.source) {
          // The import that left this pending backup was killed after its define: finish it.
          if (app && def.pendingBackup) finishBackup(def.source, backupPath(paths, def));
          skipped++;
          this.print(`skip ${def.source}: ${def.target} already exists\n`);
          continue;
        }
        if (!app) {
          converted++;
          this.print(`would define ${describe(def)}\n`);
          continue;
        }
        try {
          const note = await importOne(app, paths, def);
          converted++;
          this.print(`defined ${describe(def)}; ${note}\n`);
        } catch (err) {
          failed++;
          this.print(`failed ${def.source}: ${messageOf(err).split('\n').join('; ')}\n`);
        }
      }
    });
    for (const p of scan.problems) this.print(`invalid ${p.source}: ${p.message}\n`);
    const invalid = scan.problems.length;
    if (scan.definitions.length === 0 && invalid === 0) {
      this.print(`No 0.x definitions in ${paths.configBase} or ${join(paths.root, LEGACY_01_DIR)}\n`);
      return 0;
    }
    const parts = [
      this.apply ? `${converted} imported` : `${converted} to import`,
      `${skipped} skipped (already defined)`,
      ...(failed > 0 ? [`${failed} failed`] : []),
      `${invalid} invalid`,
    ];
    this.print(`${parts.join(', ')}${this.apply ? '' : "; dry run, nothing written (use 'mdevctl import-legacy --apply')"}\n`);
    return failed + invalid > 0 ? 1 : 0;
  }
}

function describe(def: LegacyDefinition): string {
  const format = def.format === 'key-value' ? '0.x key=value' : '0.1 type file';
  return `${def.uuid} on ${def.parent}: type ${def.type}, start ${def.start} (from ${def.source}, ${format})`;
}

/** Defines one device; a replaced key=value file is backed up first (and put back on failure). */
async function importOne(app: Mdevctl, paths: HostPaths, def: LegacyDefinition): Promise<string> {
  const request = { uuid: def.uuid, parent: def.parent, type: def.type, auto: def.start === 'auto' };
  const backup = backupPath(paths, def);
  if (def.pendingBackup) {
    // An interrupted import: the pending backup is the 0.x file; it gets its name once defined.
    await app.define(request);
    finishBackup(def.source, backup);
    return `original moved to ${backup}`;
  }
  if (!def.replacesSource) {
    await app.define(request);
    return 'original kept';
  }
  const original = readFileSync(def.source);
  const pending = `${backup}${PENDING_SUFFIX}`;
  if (existsSync(backup) && !sameContent(backup, original)) throw new Error(`${backup} already exists with other content; not overwritten`);
  mkdirSync(dirname(backup), { recursive: true });
  const createdPending = writeNew(pending, original);
  unlinkSync(def.source);
  try {
    await app.define(request);
  } catch (err) {
    if (!existsSync(def.source)) writeNew(def.source, original);
    if (createdPending) unlinkSync(pending);
    throw err;
  }
  finishBackup(pending, backup);
  return `original moved to ${backup}`;
}

/** The pending backup takes its final name (an identical one there already is kept). */
function finishBackup(pending: string, backup: string): void {
  renameSync(pending, backup);
  syncDir(dirname(backup));
}

function sameContent(path: string, bytes: Buffer): boolean {
  try {
    return readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}

/**
 * Writes `bytes` to a new file, whole and fsynced; true when created, false when an identical
 * file was there already; throws (leaving nothing behind) otherwise.
 */
function writeNew(path: string, bytes: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && sameContent(path, bytes)) return false;
    throw new Error(
      (err as NodeJS.ErrnoException).code === 'EEXIST'
        ? `${path} already exists with other content; not overwritten`
        : `cannot write ${path}: ${describeOsError(err)}`,
    );
  }
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(path);
    throw new Error(`cannot write ${path}: ${describeOsError(err)}`);
  }
  closeSync(fd);
  syncDir(dirname(path));
  return true;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}
