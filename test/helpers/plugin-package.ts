// A vendor's plugin package, made the way a vendor makes it, outside the workspace and without a
// registry: the SDK packed with `npm pack`, the template (examples/plugin-template) copied to a temp
// dir, the toolchain (typescript, @types/node) linked from the workspace, the SDK tarball
// installed with `npm install --offline` (empty cache, no registry), then built and tested with
// the template's own scripts.
// Installing it "like a vendor's package" lays the packed plugin out in ROOT/usr/lib/node_modules
// with its dependency, as a distribution package does.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './cli.js';

export const TEMPLATE = join(REPO, 'examples/plugin-template');
export const TEMPLATE_NAME = '@example/mdevctl-plugin-mdpy';

export interface Run {
  status: number;
  output: string;
}

/** Runs a command (npm, tar) in `cwd`; output is stdout and stderr together. */
export function sh(cwd: string, cmd: string, args: string[]): Run {
  // Not NODE_TEST_CONTEXT: a `node --test` run inside ours would take itself for our child and skip its files.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

function must(r: Run, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.output}`);
  return r.output;
}

/** `npm pack` of a package dir into `dest`; the tarball's path. */
export function pack(packageDir: string, dest: string): string {
  const out = must(sh(packageDir, 'npm', ['pack', '--silent', '--pack-destination', dest]), `npm pack ${packageDir}`);
  const name = out.trim().split('\n').filter((l) => l.endsWith('.tgz')).at(-1);
  if (!name) throw new Error(`npm pack printed no tarball name:\n${out}`);
  return join(dest, name);
}

/** A registry URL on a closed port: nothing can come from a registry. */
export const CLOSED_REGISTRY = 'http://127.0.0.1:9/';

/**
 * Installs tarballs into `dir`'s node_modules from the files alone: offline, with an empty npm
 * cache (`cache`) and no registry. What else the package needs must be in its node_modules already.
 */
export function installOffline(dir: string, tarballs: string[], cache: string): void {
  const args = ['install', '--offline', '--cache', cache, '--registry', CLOSED_REGISTRY, '--no-save', '--no-package-lock', ...tarballs];
  must(sh(dir, 'npm', args), `npm install in ${dir}`);
}

export interface Workbench {
  readonly dir: string;
  readonly sdkTarball: string;
  /** The copy of the template, SDK installed, toolchain linked. */
  readonly plugin: string;
  cleanup(): void;
}

/** The SDK packed and the template copied and prepared in a fresh temp dir. */
export function workbench(): Workbench {
  const { dir, cleanup } = tempDir('mdevctl-vendor-');
  const sdkTarball = pack(join(REPO, 'plugin-sdk'), dir);
  const plugin = join(dir, 'mdevctl-plugin-mdpy');
  cpSync(TEMPLATE, plugin, { recursive: true, filter: (src) => !/\/(node_modules|dist)$/.test(src) });
  // the toolchain a vendor gets from the registry comes from the workspace here
  mkdirSync(join(plugin, 'node_modules/@types'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules/typescript'), join(plugin, 'node_modules/typescript'));
  symlinkSync(join(REPO, 'node_modules/@types/node'), join(plugin, 'node_modules/@types/node'));
  installOffline(plugin, [sdkTarball], join(dir, 'npm-cache'));
  return { dir, sdkTarball, plugin, cleanup };
}

/** Packs the built plugin and lays it out in ROOT/usr/lib/node_modules/<name> with the SDK. */
export function installAsVendorPackage(bench: Workbench, root: string): string {
  const tarball = pack(bench.plugin, bench.dir);
  const dest = join(root, 'usr/lib/node_modules', TEMPLATE_NAME);
  mkdirSync(dest, { recursive: true });
  must(sh(dest, 'tar', ['-xzf', tarball, '--strip-components=1']), 'tar');
  // its dependency laid out beside it, as a distribution package does (no npm run on the host)
  const sdk = join(dest, 'node_modules/@mdevctl/plugin-sdk');
  mkdirSync(sdk, { recursive: true });
  must(sh(sdk, 'tar', ['-xzf', bench.sdkTarball, '--strip-components=1']), 'tar');
  return dest;
}
