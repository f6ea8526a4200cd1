// A fresh `npm ci` is quiet: npm (11.16 and later) warns about every dependency whose install
// script package.json's `allowScripts` does not cover. Each package-lock.json entry with an
// install script must be allowed there (by name, or pinned as name@version), on purpose.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';

interface Lock {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
}

test("every dependency with an install script is in package.json's allowScripts (npm ci prints no install-scripts warning)", () => {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const allowed = manifest.allowScripts ?? {};
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => p.hasInstallScript === true && path.includes('node_modules/'))
    .map(([path, p]) => ({ name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), version: p.version ?? '' }));
  assert.ok(withScripts.length > 0, 'esbuild has one (its postinstall checks its platform binary)');
  const uncovered = withScripts.filter((p) => allowed[p.name] === undefined && allowed[`${p.name}@${p.version}`] === undefined);
  assert.deepEqual(uncovered, []);
});
