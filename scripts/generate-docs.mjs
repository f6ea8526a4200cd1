#!/usr/bin/env node
// Generates the man pages (core/man/mdevctl.8, core/man/lsmdev.8) and the bash completion
// (core/completion/mdevctl.bash) from the command definitions of the built program
// (core/dist). Run by `npm pack` (core's prepack script), so the package always ships documents
// made from the code it ships; they are not kept in git.
//
// Usage: node scripts/generate-docs.mjs [--check] [DIR]
//   DIR      where to write (default: core/)
//   --check  write nothing; exit 1 listing the files that are missing or differ

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../core/dist/cli/docs/generate.js', import.meta.url);
if (!existsSync(fileURLToPath(dist))) {
  console.error('generate-docs: core/dist is not built; run `npm run build` first');
  process.exit(1);
}
const { writeGeneratedFiles, staleGeneratedFiles, PACKAGE_DIR } = await import(dist.href);

const args = process.argv.slice(2);
const check = args.includes('--check');
const dir = args.find((a) => !a.startsWith('--')) ?? PACKAGE_DIR;
if (check) {
  const stale = await staleGeneratedFiles(dir);
  for (const f of stale) console.error(`generate-docs: ${f} is missing or out of date`);
  process.exit(stale.length > 0 ? 1 : 0);
}
for (const path of await writeGeneratedFiles(dir)) console.log(`generated ${path}`);
