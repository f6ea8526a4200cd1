// Reads mdevctl's configuration file, with cosmiconfig's loaders, imported only when there is a
// file. places.ts finds the file (our own explicit list); cosmiconfig's JSON and YAML loaders read
// it (a JS module is imported, its default export is the configuration); then a transform step
// checks the shape and resolves the plugins, as stylelint's config loading resolves its plugins.
// cosmiconfig's explorer is not used: creating one reads the working directory's package.json and
// .config/ for meta-configuration, and mdevctl must not depend on where it is run from.
// Any failure is one line naming the file (a JS file whose promise never settles too).

import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostPaths } from '../host/paths.js';
import { MdevctlError, describeOsError, messageOf } from '../model/errors.js';
import { NeverSettled, foreign } from '../lifecycle/unsettled.js';
import { isHostFile, pluginSearchDirs, resolvePlugin } from '../plugins/resolve.js';
import { findConfigFile } from './places.js';
import { assertTrusted } from './trust.js';
import { ConfigError, parseSettings, type BuiltinInfo } from './schema.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';

export interface LoadOptions {
  /** The configuration file to read instead of searching (MDEVCTL_CONFIG). */
  readonly override?: string | undefined;
  /** For the global node_modules dir (npm_config_prefix). */
  readonly env: NodeJS.ProcessEnv;
  readonly builtins: readonly BuiltinInfo[];
}

type Loader = (file: string, content: string) => unknown;

const JS_EXTENSIONS = ['.js', '.mjs', '.cjs'];
const YAML_EXTENSIONS = ['.yaml', '.yml', ''];

export async function loadSettings(paths: HostPaths, options: LoadOptions): Promise<Settings> {
  const location = findConfigFile(paths, options.override);
  if (!location) return DEFAULT_SETTINGS;
  const file = location.file;
  assertTrusted(file, 'configuration file', options.env);
  const content = readConfigText(file);
  let raw: unknown;
  try {
    // An empty file is the defaults (MDEVCTL_CONFIG=/dev/null reads none).
    if (content.trim() !== '') raw = await foreign(`Configuration file ${file}: loading it`, (await loaderFor(file))(file, content));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof NeverSettled) throw err;
    throw new ConfigError(file, syntaxProblem(messageOf(err)));
  }
  // The transform: shape checked, plugins resolved from the file's dir and the node_modules dirs.
  const searchDirs = pluginSearchDirs(paths.root, options.env);
  const hostFile = isHostFile(file, paths.root);
  const settings = parseSettings(raw, file, options.builtins, (specifier) =>
    resolvePlugin(specifier, dirname(file), paths.root, searchDirs, { hostFile }),
  );
  for (const ref of settings.external) assertTrusted(ref.file, `plugin ${ref.specifier} at`, options.env);
  return settings;
}

/** At most this much configuration is read (a big file, or a device such as /dev/zero, is refused). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * The configuration file's text: opened without blocking (a fifo without a writer would wait
 * forever), only a regular file (or /dev/null, which is no configuration), read bounded.
 */
function readConfigText(file: string): string {
  const fail = (why: string, cause?: unknown) =>
    new MdevctlError(`Unable to read configuration file ${file}: ${why}`, cause === undefined ? undefined : { cause });
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fail(describeOsError(err), err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      if (st.isCharacterDevice() && st.rdev === devNullRdev()) return '';
      throw fail(`it is not a regular file (${st.isFIFO() ? 'a fifo' : st.isDirectory() ? 'a directory' : 'a device or socket'})`);
    }
    const buf = Buffer.alloc(Math.min(st.size, MAX_CONFIG_FILE_BYTES) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
    if (n > MAX_CONFIG_FILE_BYTES) throw fail(`it is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof MdevctlError) throw err;
    throw fail(describeOsError(err), err);
  } finally {
    closeSync(fd);
  }
}

function devNullRdev(): number | undefined {
  try {
    return statSync('/dev/null').rdev;
  } catch {
    return undefined;
  }
}

async function loaderFor(file: string): Promise<Loader> {
  const ext = extname(file);
  if (JS_EXTENSIONS.includes(ext)) return importDefault;
  if (ext !== '.json' && !YAML_EXTENSIONS.includes(ext)) {
    throw new ConfigError(file, `unsupported file type ${ext} (use .json, .yaml, .yml, .js, .mjs or .cjs)`);
  }
  const { defaultLoaders } = await import('cosmiconfig');
  return ext === '.json' ? (defaultLoaders['.json'] as Loader) : (defaultLoaders['.yaml'] as Loader);
}

/** A JS configuration file's default export (ESM or CommonJS); its own errors as they are. */
async function importDefault(file: string): Promise<unknown> {
  return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
}

/**
 * The one line of a loader's message that says what is wrong: not `JSON Error in <file>:`, not a
 * code frame (`> 1 | …`, `    | ^`, `-----^`), without parse-json's `while parsing '<text>'`.
 */
function syntaxProblem(message: string): string {
  // The code frame is coloured when the environment looks colour-capable (a TTY, CI=true).
  // eslint-disable-next-line no-control-regex
  const lines = message
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(JSON|YAML) Error in /.test(l) && !/^(>|\||\d+ \||-*\^)/.test(l));
  return (lines[0] ?? message.trim()).replace(/ while parsing (near )?['"].*$/, '');
}
