// Starts a program from its bundle (dist/bundle/<name>.cjs, made by `npm run build`): one file
// instead of a few hundred modules, compiled with a V8 code cache written next to it at build
// time (a cache from another node version or V8 flags is simply not used): the hot command's own,
// <name>.<command>.cache, which holds what that command runs, else the generic <name>.cjs.cache
// (scripts/code-cache.mjs says which commands have their own).
// Without a bundle (only `tsc -b` ran), the program's ESM module in dist/ is imported instead;
// with neither (nothing built yet), one line says to build.
'use strict';

const { existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const BUNDLE_DIR = join(__dirname, '..', 'dist', 'bundle');
const PARAMS = 'exports, require, module, __filename, __dirname, __mdevctlImport';

/**
 * The name stack traces give the bundle: the same where it is built and where it runs, because a
 * code cache keeps the name it was made with (an absolute path would show the build machine's).
 */
const scriptName = (name) => `mdevctl/dist/bundle/${name}.cjs`;

/**
 * import() for the bundle: code compiled by vm.Script cannot import() by itself on node 20 (it
 * needs an experimental option that prints a warning), so scripts/bundle.mjs turns the bundle's
 * import() of packages and files (execa, cosmiconfig, external plugins, JS configuration files)
 * into calls of this: a real import() from this module, resolved as from core's own files.
 */
const dynamicImport = (specifier) => import(specifier);

/** A profile's cache file (a command name: letters and dashes), else the generic one. */
function cacheFile(name, profile) {
  return profile !== undefined && /^[a-z][a-z-]{0,40}$/.test(profile)
    ? join(BUNDLE_DIR, `${name}.${profile}.cache`)
    : join(BUNDLE_DIR, `${name}.cjs.cache`);
}

/** The code cache to compile with: the profile's, else the generic one, else none. */
function readCache(name, profile) {
  for (const file of profile !== undefined ? [cacheFile(name, profile), cacheFile(name)] : [cacheFile(name)]) {
    try {
      return readFileSync(file);
    } catch {
      /* none: the next one, or compile from source */
    }
  }
  return undefined;
}

/**
 * The bundle's exports and its compiled script (for writing a code cache), or undefined when
 * there is no bundle. `cache`: the profile whose code cache to use (a command name; undefined:
 * the generic cache), or false to compile from source.
 */
function loadBundle(name, cache = undefined) {
  const file = join(BUNDLE_DIR, `${name}.cjs`);
  let source;
  try {
    // latin1: a plain copy into a one-byte string (the bundle is ASCII, scripts/bundle.mjs).
    source = readFileSync(file, 'latin1');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
  const cachedData = cache === false ? undefined : readCache(name, cache);
  const script = new vm.Script(`(function (${PARAMS}) {${source}\n})`, { filename: scriptName(name), cachedData });
  const module = { exports: {}, filename: file };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, BUNDLE_DIR, dynamicImport);
  return { exports: module.exports, script, file };
}

/**
 * Runs `start(programModule)` from the bundle (with the code cache of `profile`, the command's
 * name, when it has one), else from dist/<distModule>; sets the exit code.
 */
function launch(name, distModule, start, profile) {
  const loaded = loadBundle(name, profile);
  const finish = (status) => {
    process.exitCode = status;
  };
  if (loaded) return Promise.resolve(start(loaded.exports)).then(finish);
  const module = join(__dirname, '..', 'dist', distModule);
  if (!existsSync(module)) {
    const program = basename(process.argv[1] ?? name).replace(/\.js$/, '');
    process.stderr.write(`${program}: not built yet: run \`npm run build\` in ${join(__dirname, '..', '..')} first\n`);
    return Promise.resolve(finish(1));
  }
  return import(pathToFileURL(module).href).then((m) => start(m)).then(finish);
}

/**
 * Build step (scripts/code-cache.mjs): loads the bundle without a cache, lets `exercise` run it,
 * then writes the code cache of everything that ran, as `profile`'s (undefined: the generic one).
 */
async function writeCodeCache(name, exercise, profile = undefined) {
  const loaded = loadBundle(name, false);
  if (!loaded) return undefined;
  await exercise(loaded.exports);
  const data = loaded.script.createCachedData();
  const file = cacheFile(name, profile);
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file); // running programs see all or nothing
  return { file, bytes: data.length };
}

module.exports = { launch, loadBundle, writeCodeCache };
