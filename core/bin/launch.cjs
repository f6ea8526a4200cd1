// Starts a program from its bundle (dist/bundle/<name>.cjs, made by `npm run build`): one file
// instead of a few hundred modules, compiled with the V8 code cache written next to it at build
// time (<name>.cjs.cache; a cache from another node version or V8 flags is simply not used).
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

/**
 * The bundle's exports and its compiled script (for writing a code cache), or undefined when
 * there is no bundle. `useCache: false` compiles from source.
 */
function loadBundle(name, useCache = true) {
  const file = join(BUNDLE_DIR, `${name}.cjs`);
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(`${file}.cache`);
    } catch {
      /* no cache: compile from source */
    }
  }
  const script = new vm.Script(`(function (${PARAMS}) {${source}\n})`, { filename: scriptName(name), cachedData });
  const module = { exports: {}, filename: file };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, BUNDLE_DIR, dynamicImport);
  return { exports: module.exports, script, file };
}

/** Runs `start(programModule)` from the bundle, else from dist/<distModule>; sets the exit code. */
function launch(name, distModule, start) {
  const loaded = loadBundle(name);
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
 * Build step (scripts/bundle.mjs): loads the bundle without a cache, lets `exercise` run it, then
 * writes the code cache of everything that ran.
 */
async function writeCodeCache(name, exercise) {
  const loaded = loadBundle(name, false);
  if (!loaded) return undefined;
  await exercise(loaded.exports);
  const data = loaded.script.createCachedData();
  writeFileSync(`${loaded.file}.cache.tmp`, data);
  renameSync(`${loaded.file}.cache.tmp`, `${loaded.file}.cache`); // running programs see all or nothing
  return { file: `${loaded.file}.cache`, bytes: data.length };
}

module.exports = { launch, loadBundle, writeCodeCache };
