// Finds the module file of an external plugin named in the configuration file, without running
// npm (too slow at every boot) and without importing anything:
//  - a path (`/…`, `./…`, `../…`): relative ones from the configuration file's dir; absolute ones
//    under the environment root when the file is the host's (under the root), as given when it is
//    a developer's file outside the root (MDEVCTL_CONFIG=./my-config.json with a simulated root);
//    a file is the module, a directory is a package (below);
//  - a package name (`name`, `@scope/name`): the first of these dirs holding it —
//    ROOT/usr/local/lib/node_modules, ROOT/usr/lib/node_modules (the host's), the node_modules dir
//    mdevctl itself is installed in (`npm install -g --prefix P` puts both in P/lib/node_modules),
//    then the global node_modules of npm for the Node running mdevctl: `$npm_config_prefix/lib/node_modules`,
//    or `<node's prefix>/lib/node_modules` (where `npm install -g` puts packages by default).
// What the host's configuration or node_modules names must stay on the host: a relative path, a
// symlinked dir or package, or an entry that leads out of the root is refused (the installation's
// own dirs and a developer's file outside the root are not the host's, and are not confined).
// A package's module: its package.json "exports" (the "." entry, conditions node, import,
// default), else "main", else index.js — what `import()` of the package would load.

import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kindOf } from '../host/fs.js';

const CONDITIONS = ['node', 'import', 'default'];
const PACKAGE_NAME = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i;

/** mdevctl's own package dir (core/ in a checkout, …/node_modules/mdevctl when installed). */
function ownPackageDir(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The dirs package names are looked up in, in order, without duplicates. */
export function pluginSearchDirs(
  root: string,
  env: NodeJS.ProcessEnv,
  execPath: string = process.execPath,
  packageDir: string = ownPackageDir(),
): string[] {
  const prefix = env['npm_config_prefix'] || env['NPM_CONFIG_PREFIX'] || dirname(dirname(execPath));
  const dirs = [join(root, 'usr/local/lib/node_modules'), join(root, 'usr/lib/node_modules')];
  const installedIn = dirname(resolve(packageDir));
  if (basename(installedIn) === 'node_modules') dirs.push(installedIn);
  dirs.push(join(prefix, 'lib/node_modules'));
  return [...new Set(dirs.map((d) => resolve(d)))];
}

export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('/') || specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}

export interface ResolveOptions {
  /**
   * The configuration file is the host's (under the root): its absolute paths are under the
   * root, and what it names must stay there. False for a developer's file outside the root.
   */
  readonly hostFile?: boolean;
}

function isUnder(path: string, dir: string): boolean {
  return dir === sep || path === dir || path.startsWith(dir + sep);
}

/** Whether `file` (a configuration file, as found) is the host's: under the root. */
export function isHostFile(file: string, root: string): boolean {
  return isUnder(resolve(file), resolve(root));
}

/** Throws when the real path of `path` is not under the real root. */
function assertOnHost(path: string, root: string): void {
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync.native(root);
    real = realpathSync.native(path);
  } catch {
    return; // gone: loading it says so
  }
  if (!isUnder(real, realRoot)) throw new Error(`${path} leads outside the root ${root} (to ${real})`);
}

/** The module file of the plugin; throws an Error saying why there is none. */
export function resolvePlugin(
  specifier: string,
  configDir: string,
  root: string,
  searchDirs: readonly string[],
  options: ResolveOptions = {},
): string {
  const hostFile = options.hostFile ?? true;
  const onHost = (file: string): string => {
    if (hostFile) assertOnHost(file, root);
    return file;
  };
  if (isPathSpecifier(specifier)) {
    const path = isAbsolute(specifier) && hostFile ? join(root, specifier) : resolve(configDir, specifier);
    const kind = kindOf(path);
    if (kind === 'file') return onHost(path);
    if (kind === 'dir') return onHost(packageEntry(onHost(path)));
    throw new Error(`no plugin at ${path}`);
  }
  if (!PACKAGE_NAME.test(specifier) || specifier.split('/').some((p) => p === '.' || p === '..')) {
    throw new Error('not a package name (name or @scope/name) nor a path (/…, ./… or ../…)');
  }
  for (const dir of searchDirs) {
    const path = join(dir, specifier);
    if (kindOf(path) !== 'dir') continue;
    // the host's node_modules: the package must be on the host; the installation's own dirs are not the host
    if (!isUnder(resolve(dir), resolve(root)) || resolve(root) === sep) return packageEntry(path);
    assertOnHost(path, root);
    const file = packageEntry(path);
    assertOnHost(file, root);
    return file;
  }
  throw new Error(`package not found in ${searchDirs.join(', ')}`);
}

/** The file `import()` of the package dir loads. */
function packageEntry(dir: string): string {
  const manifest = join(dir, 'package.json');
  let pkg: { exports?: unknown; main?: unknown } = {};
  if (kindOf(manifest) === 'file') {
    try {
      pkg = JSON.parse(readFileSync(manifest, 'utf8')) as typeof pkg;
    } catch (err) {
      throw new Error(`unreadable ${manifest}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (pkg.exports !== undefined) {
    const target = exportTarget(pkg.exports);
    if (target === undefined) throw new Error(`${manifest} exports no "." entry for import`);
    const file = resolve(dir, target);
    if (kindOf(file) !== 'file') throw new Error(`${manifest} exports ${target}, which does not exist (is the package built?)`);
    return file;
  }
  const main = typeof pkg.main === 'string' ? pkg.main : undefined;
  const candidates = main !== undefined ? [main, `${main}.js`, join(main, 'index.js')] : ['index.js'];
  for (const c of candidates) {
    const file = resolve(dir, c);
    if (kindOf(file) === 'file') return file;
  }
  throw new Error(`${dir} has no ${main !== undefined ? `main file ${main}` : 'index.js'} (is the package built?)`);
}

/** The "." target of package.json "exports" under the import conditions. */
function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (Array.isArray(exports)) {
    for (const e of exports) {
      const t = exportTarget(e);
      if (t !== undefined) return t;
    }
    return undefined;
  }
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  const keys = Object.keys(map);
  if (keys.some((k) => k.startsWith('.'))) return map['.'] !== undefined ? exportTarget(map['.']) : undefined;
  for (const k of keys) {
    if (!CONDITIONS.includes(k)) continue;
    const t = exportTarget(map[k]);
    if (t !== undefined) return t;
  }
  return undefined;
}
