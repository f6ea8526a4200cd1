// The generated documents of the package: the man pages and the bash completion, made from the
// command definitions of the program. Loaded only by the commands and scripts that need them
// (install-system-files, scripts/generate-docs.mjs), never on a normal mdevctl start.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION, commandClasses, createCli } from '../registry.js';
import { COMPLETION_FILE, type GeneratedFile } from './outputs.js';
import { bashCompletion } from './completion.js';
import { lsmdevManPage, mdevctlManPage } from './man.js';
import { commandDocs, type CommandDoc } from './model.js';

/** The package directory (core/ in a checkout, …/node_modules/mdevctl when installed). */
export const PACKAGE_DIR = fileURLToPath(new URL('../../../', import.meta.url));

export { MAN_PAGES, COMPLETION_FILE, type GeneratedFile } from './outputs.js';

/** Every command of the mdevctl program, as documented. */
export async function documentedCommands(): Promise<CommandDoc[]> {
  const classes = await commandClasses('mdevctl');
  return commandDocs(createCli('mdevctl', classes).definitions(), classes);
}

export async function generatedFiles(): Promise<GeneratedFile[]> {
  const docs = await documentedCommands();
  const list = docs.find((c) => c.name === 'list');
  if (!list) throw new Error('no list command to document lsmdev with');
  return [
    { path: 'man/mdevctl.8', content: mdevctlManPage(docs, VERSION) },
    { path: 'man/lsmdev.8', content: lsmdevManPage(list, VERSION) },
    { path: COMPLETION_FILE, content: bashCompletion(docs, VERSION) },
  ];
}

/** Writes the generated files under `dir` (default: the package directory); returns their paths. */
export async function writeGeneratedFiles(dir: string = PACKAGE_DIR): Promise<string[]> {
  return (await generatedFiles()).map((f) => {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, f.content);
    renameSync(temp, path);
    return path;
  });
}

/** The generated files under `dir` that are missing or differ from a fresh generation. */
export async function staleGeneratedFiles(dir: string = PACKAGE_DIR): Promise<string[]> {
  return (await generatedFiles())
    .filter((f) => {
      try {
        return readFileSync(join(dir, f.path), 'utf8') !== f.content;
      } catch {
        return true;
      }
    })
    .map((f) => f.path);
}
