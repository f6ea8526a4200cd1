// mdevctl plugin-init DIR: starts a vendor plugin package from what this installation ships — the
// plugin template (examples/plugin-template; in the package, plugin-template/) and the plugin SDK
// mdevctl itself runs (copied into DIR/vendor/, the package's dependency `file:vendor/…`, bundled
// into the plugin's tarball), so that `npm install && npm test && npm pack` and `npm install -g` of
// the result work without @mdevctl/* on any registry. DIR is a developer's directory (relative to
// the working directory), not a host path: MDEVCTL_ENV_ROOT does not apply.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'clipanion';
import { MdevctlError } from '../../model/errors.js';
import { MdevctlCommand } from '../commands/base.js';

export const SDK_NAME = '@mdevctl/plugin-sdk';
/** Where the SDK goes in the new package, and the dependency spec that points at it. */
export const VENDORED_SDK = 'vendor/mdevctl-plugin-sdk';

/** The package directory (core/ in a checkout, …/node_modules/mdevctl when installed). */
const PACKAGE_DIR = fileURLToPath(new URL('../../../', import.meta.url));

/** The template: the repository's examples/ in a checkout, else the copy the package ships. */
export function templateDir(): string | undefined {
  for (const dir of [join(PACKAGE_DIR, '../examples/plugin-template'), join(PACKAGE_DIR, 'plugin-template')]) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

/** The directory of the SDK package this mdevctl resolves (the bundled copy when installed). */
export function sdkDir(): string | undefined {
  let entry: string;
  try {
    entry = createRequire(join(PACKAGE_DIR, 'package.json')).resolve(SDK_NAME);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === SDK_NAME) return dir;
  }
  return undefined;
}

/** What of a package dir is its package: package.json and the entries of its `files`. */
function packageEntries(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { files?: string[] };
  return ['package.json', ...(manifest.files ?? readdirSync(dir))].filter((e) => existsSync(join(dir, e)) && e !== 'node_modules');
}

/** npm's rule for a new package's name (lower case, at most 214 characters), scoped or not. */
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The package's name: --name, else the directory's own name; refused unless npm would take it. */
export function packageName(dir: string, name: string | undefined): string {
  const chosen = name ?? basename(resolve(dir));
  if (chosen.length > 214 || !NPM_NAME.test(chosen)) {
    const what = name !== undefined ? `--name ${JSON.stringify(chosen)}` : `The directory name ${JSON.stringify(chosen)}`;
    throw new MdevctlError(
      `${what} is not an npm package name (lower case letters, digits, '-', '.', '_', '~', optionally @scope/); ${name !== undefined ? 'choose another' : 'give one with --name'}`,
    );
  }
  return chosen;
}

/** The file `npm pack` makes for the package (a scope's @ dropped, its / made a -). */
function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

/** Not copied from the template: what a build or an install makes there. */
const SKIP = new Set(['node_modules', 'dist', 'package-lock.json']);

export class PluginInitCommand extends MdevctlCommand {
  static override paths = [['plugin-init']];
  static override usage = Command.Usage({
    description: 'Create a plugin package to start from, wired to the plugin SDK this mdevctl ships',
    details: `
      Copies the example plugin (for the mdpy sample driver) into DIR, which must not exist or be empty, with this mdevctl's @mdevctl/plugin-sdk in DIR/vendor as its dependency (bundled into the plugin's tarball, so neither needs a registry). The package is named after DIR (its last component), or --name. Then, in DIR: 'npm install' (the SDK from vendor/, TypeScript from the registry), 'npm test', 'npm pack', and as root 'npm install -g ./NAME-VERSION.tgz'; enable the plugin in /etc/mdevctl.d/mdevctl.config.json. DIR is relative to the working directory (MDEVCTL_ENV_ROOT does not apply). Prints what it created and what to edit and run next.
    `,
    examples: [
      ['Start a plugin in ./mdevctl-plugin-acme (the package mdevctl-plugin-acme)', 'mdevctl plugin-init mdevctl-plugin-acme'],
      ['Start a scoped package in ./acme', 'mdevctl plugin-init --name @acme/mdevctl-plugin-vgpu acme'],
    ],
  });

  name = Option.String('--name', { description: 'The npm package name (default: the last component of DIR)' });
  dir = Option.String({ name: 'DIR' });

  async execute(): Promise<number> {
    const name = packageName(this.dir, this.name);
    const dest = resolve(this.dir);
    if (existsSync(dest) && (!statSync(dest).isDirectory() || readdirSync(dest).length > 0)) {
      throw new MdevctlError(`${this.dir} exists and is not an empty directory`);
    }
    const template = templateDir();
    const sdk = sdkDir();
    if (!template) throw new MdevctlError('This installation has no plugin template (install the package scripts/pack.mjs makes)');
    if (!sdk) throw new MdevctlError(`This installation has no ${SDK_NAME} to copy`);
    // Built next to DIR and renamed into place: a failure leaves no half-made package.
    mkdirSync(dirname(dest), { recursive: true });
    const temp = join(dirname(dest), `.${basename(dest)}.${process.pid}.tmp`);
    rmSync(temp, { recursive: true, force: true });
    try {
      cpSync(template, temp, { recursive: true, filter: (src) => !SKIP.has(relative(template, src).split('/')[0] ?? '') });
      for (const entry of packageEntries(sdk)) {
        cpSync(join(sdk, entry), join(temp, VENDORED_SDK, entry), { recursive: true, dereference: true });
      }
      const manifestPath = join(temp, 'package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { dependencies?: Record<string, string> };
      manifest['name'] = name;
      manifest.dependencies = { ...manifest.dependencies, [SDK_NAME]: `file:${VENDORED_SDK}` };
      manifest['bundleDependencies'] = [SDK_NAME];
      writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      // A real copy in node_modules (not a link to vendor/), which `npm pack` bundles.
      writeFileSync(join(temp, '.npmrc'), 'install-links=true\n');
      if (existsSync(dest)) rmSync(dest, { recursive: true });
      renameSync(temp, dest);
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      throw e;
    }
    const sdkVersion = (JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
    const version = (JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')) as { version?: string }).version ?? '1.0.0';
    this.print(
      [
        `Created plugin package ${name} in ${this.dir} (${SDK_NAME} ${sdkVersion} in ${VENDORED_SDK})`,
        'Next:',
        `  cd ${this.dir} && npm install && npm test`,
        '  edit src/plugin.ts: PLUGIN_NAME (what admins see), claims (the parents and types it is about), its checks;',
        '       src/index.ts: the options it takes; package.json: description, author, license; README.md',
        `  npm pack, then as root: npm install -g ./${tarballName(name, version)}`,
        `  enable it in /etc/mdevctl.d/mdevctl.config.json: {"plugins": {"${name}": true}}`,
        '',
      ].join('\n'),
    );
    return 0;
  }
}
