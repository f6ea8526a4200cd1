#!/usr/bin/env node
// Build step (after `tsc -b`; `npm run build` runs both): bundles each program of core into one
// CommonJS file with esbuild — core/dist/bundle/mdevctl.cjs (mdevctl and lsmdev) — so a run loads
// one file instead of a few hundred modules, then writes its V8 code caches (scripts/code-cache.mjs:
// <bundle>.<command>.cache for each hot command, <bundle>.cjs.cache for the rest) from runs on a temp
// tree. core/bin/launch.cjs loads them.
// The sources stay as they are: this only reads core/dist. esbuild's metafile (what went into a
// bundle) is kept as <bundle>.meta.json; a test checks that no simulator code is in it.
//
// Left out of the bundles, imported from node_modules only when a run needs them (their import()
// is not bundled, see ownModules): execa (call-out scripts), cosmiconfig (a configuration file)
// and, on a simulated host only, its backend (@mdevctl/plugin-sim).
//
// Usage: node scripts/bundle.mjs            build both bundles and their caches
//        node scripts/bundle.mjs --no-cache build the bundles only

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));
const coreDist = join(repo, 'core/dist');
const outDir = join(coreDist, 'bundle');

/** Each bundle: its name (core/bin/launch.cjs loads dist/bundle/<name>.cjs) and its entry module. */
const BUNDLES = [
  { name: 'mdevctl', entry: 'cli/main.js' },
];

const MODULE_URL = '__mdevctlModuleUrl';
/** Defined before every module (in the bundle's own scope, where `require` is node's). */
const MODULE_URL_BANNER =
  `var ${MODULE_URL} = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;`;
/** import() of what is not bundled: a parameter core/bin/launch.cjs gives the bundle. */
const IMPORT = '__mdevctlImport';
/** `import(` not followed by a relative path (those modules are bundled). */
const UNBUNDLED_IMPORT = /(?<![\w$.])import\((?!\s*['"]\.)/g;

/**
 * Our own modules (not node_modules), as esbuild loads them:
 * - `import.meta.url` keeps meaning the URL of the module it is written in (install-system-files
 *   and the docs generator find the package's files from it): it becomes that module's path
 *   relative to the bundle, which holds wherever the package is installed;
 * - import() of a package or a computed path becomes __mdevctlImport(), see core/bin/launch.cjs.
 */
const ownModules = {
  name: 'own-modules',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      const url = `${MODULE_URL}(${JSON.stringify(relative(outDir, args.path))})`;
      const contents = text.replaceAll('import.meta.url', url).replace(UNBUNDLED_IMPORT, `${IMPORT}(`);
      return contents === text ? undefined : { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * clipanion (3.2) opens process.stdin, stdout and stderr and loads `tty` (for a colour depth) when
 * it is imported, and copies them into every command's context: a cost on every run, also of the
 * many that print nothing (a socket each when they are pipes). In the bundle its defaults are
 * getters, and the context is put together with the getters kept as getters (ours for stdout and
 * stderr too, see cli/main.ts), so a stream is opened when something is written to it. A patch that
 * no longer applies fails the build.
 */
const LAZY_CONTEXT =
  'const context = Object.defineProperties({}, {\n' +
  '            ...Object.getOwnPropertyDescriptors(Cli.defaultContext),\n' +
  '            ...Object.getOwnPropertyDescriptors(userContext),\n' +
  '        });\n';
const EAGER_CONTEXT = 'const context = {\n            ...Cli.defaultContext,\n            ...userContext,\n        };\n';
const CLIPANION_PATCHES = {
  'clipanion/lib/advanced/Cli.js': [
    [
      '    stdin: process.stdin,\n    stdout: process.stdout,\n    stderr: process.stderr,\n    colorDepth: platform.getDefaultColorDepth(),\n',
      '    get stdin() { return process.stdin; },\n    get stdout() { return process.stdout; },\n' +
        '    get stderr() { return process.stderr; },\n    get colorDepth() { return platform.getDefaultColorDepth(); },\n',
    ],
    [EAGER_CONTEXT, LAZY_CONTEXT], // process()
    [EAGER_CONTEXT, LAZY_CONTEXT], // run()
  ],
  'clipanion/lib/platform/node.js': [
    ["var tty = require('tty');", "var tty = { get WriteStream() { return require('tty').WriteStream; } };"],
  ],
};

const patchClipanion = {
  name: 'patch-clipanion',
  setup(b) {
    b.onLoad({ filter: /[\\/]clipanion[\\/]lib[\\/](advanced[\\/]Cli|platform[\\/]node)\.js$/ }, (args) => {
      const key = Object.keys(CLIPANION_PATCHES).find((k) => args.path.endsWith(k));
      if (!key) return undefined;
      let text = readFileSync(args.path, 'utf8');
      for (const [from, to] of CLIPANION_PATCHES[key]) {
        if (!text.includes(from)) throw new Error(`${args.path}: the start-up patch no longer applies (${JSON.stringify(from)})`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

/** Builds one bundle; it replaces the old one in one rename (programs may be running). */
async function bundle({ name, entry }) {
  const outfile = join(outDir, `${name}.cjs`);
  const result = await build({
    entryPoints: [join(coreDist, entry)],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [ownModules, patchClipanion],
    banner: { js: MODULE_URL_BANNER },
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed for ${name}`);
  // ASCII only (esbuild escapes strings itself; this is comments): core/bin/launch.cjs reads the
  // bundle as latin1, a plain copy, where UTF-8 decoding cost a millisecond a run.
  const text = result.outputFiles[0].text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // vm.Script code cannot import() on node 20: none may be left (a dependency's own, say).
  const left = text.match(/(?<![\w$.])import\(.{0,40}/);
  if (left) throw new Error(`${outfile} still has an import(): ${left[0]}`);
  // A cache must never outlive its bundle.
  for (const f of readdirSync(outDir)) if (f.startsWith(`${name}.`) && f.endsWith('.cache')) rmSync(join(outDir, f), { force: true });
  writeFileSync(`${outfile}.tmp`, text);
  renameSync(`${outfile}.tmp`, outfile);
  writeFileSync(join(outDir, `${name}.meta.json`), JSON.stringify(result.metafile));
  return outfile;
}

function writeCaches() {
  // A fresh node, as the programs run: the cache holds what their runs compile.
  const r = spawnSync(process.execPath, [join(repo, 'scripts/code-cache.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`writing the code caches failed (status ${r.status ?? r.signal})`);
  return r.stdout;
}

if (!existsSync(join(coreDist, 'cli/main.js'))) {
  process.stderr.write('bundle: core/dist is not built; run `tsc -b` first (or `npm run build`)\n');
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
for (const b of BUNDLES) await bundle(b);
if (!process.argv.includes('--no-cache')) process.stderr.write(writeCaches());
