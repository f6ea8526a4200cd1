// The SDK README's example backend (examples/toy-backend/toy-backend.ts, quoted there verbatim),
// installed in a simulated root as an admin installs a vendor's package: compiled (esbuild, types
// stripped) into ROOT/usr/lib/node_modules/toy-backend beside the SDK it imports, and enabled by
// one line of configuration. And the toy parents it drives (sys/bus/toy/devices/<parent>).

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { REPO } from './cli.js';

export const TOY_SOURCE = join(REPO, 'examples/toy-backend/toy-backend.ts');
export const TOY_PACKAGE = 'toy-backend';
const CONFIG = 'etc/mdevctl.d/mdevctl.config.json';

/** Installs the example as package `toy-backend` under `root` and enables it in the configuration file. */
export function installToyBackend(root: string): void {
  const modules = join(root, 'usr/lib/node_modules');
  const dir = join(modules, TOY_PACKAGE);
  mkdirSync(dir, { recursive: true });
  const { code } = transformSync(readFileSync(TOY_SOURCE, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
  writeFileSync(join(dir, 'index.js'), code);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: TOY_PACKAGE, version: '1.0.0', type: 'module', main: 'index.js' })}\n`);
  mkdirSync(join(modules, '@mdevctl'), { recursive: true });
  symlinkSync(join(REPO, 'plugin-sdk'), join(modules, '@mdevctl/plugin-sdk'));
  writeFileSync(join(root, CONFIG), `{"plugins": {"${TOY_PACKAGE}": {}}}\n`);
}

/** A toy parent: a directory under sys/bus/toy/devices with its `types` (`<type> <name>` lines) and a free slot. */
export function addToyParent(root: string, parent: string, types: ReadonlyArray<readonly [string, string]>): void {
  const dir = join(root, 'sys/bus/toy/devices', parent);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'types'), types.map(([t, name]) => `${t} ${name}\n`).join(''));
  writeFileSync(join(dir, 'slot'), 'none\n');
}
