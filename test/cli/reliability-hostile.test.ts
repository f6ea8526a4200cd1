// Hostile input (issue 6): names with '/', '..', NUL or line breaks, names longer than
// NAME_MAX, huge, deeply nested or non-UTF-8 JSON, multi-line attribute values, and definition
// dirs or files that are symlinks leading outside the root. Each gets one clear error line and
// a non-zero exit (2 for a bad option value, 1 for bad content), changes nothing under the root,
// and never reads or writes outside it; good definitions beside bad ones are not lost.

import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBin, tempDir, type RunResult } from '../helpers/cli.js';
import { tree, unchanged, fails } from '../helpers/expect.js';
import { simHost } from '../helpers/sim-host.js';
import {  } from '../helpers/reliability.js';
import { inProcess } from '../helpers/packaging.js';

const U = '7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e01';
const OUT_UUID = '7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e02';
const GOOD = JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: [{ a: '1' }] }, null, 2);
const LONG = 'n'.repeat(300);

/** A host with a good definition, an outside dir holding a valid definition, and links to it. */
function hostileHost(): { root: string; outside: string; files: string; cleanup: () => void } {
  const h = simHost();
  const out = tempDir('mdevctl-outside-');
  const outside = join(out.dir, 'outside');
  const files = join(out.dir, 'files');
  mkdirSync(outside);
  mkdirSync(files);
  writeFileSync(join(outside, OUT_UUID), GOOD);
  writeFileSync(join(outside, 'secret'), 'do not touch\n');
  const defs = join(h.root, 'etc/mdevctl.d');
  mkdirSync(join(defs, 'mtty'));
  writeFileSync(join(defs, 'mtty', U), GOOD);
  symlinkSync(outside, join(defs, 'evil')); // a parent dir leading out
  mkdirSync(join(defs, 'mdpy'));
  symlinkSync(join(outside, OUT_UUID), join(defs, 'mdpy', OUT_UUID)); // a definition file leading out

  const bigAttrs = Array.from({ length: 40_000 }, (_, i) => ({ [`a${i}`]: 'x'.repeat(20) }));
  writeFileSync(join(files, 'huge.json'), JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: bigAttrs }));
  writeFileSync(join(files, 'deep.json'), '['.repeat(400_000) + ']'.repeat(400_000));
  writeFileSync(
    join(files, 'deep-attr.json'),
    `{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}]}`,
  );
  writeFileSync(join(files, 'latin1.json'), Buffer.from('{"mdev_type":"mtty-1","start":"manual","attrs":[{"a":"caf\xe9"}]}', 'latin1'));
  writeFileSync(join(files, 'newline.json'), JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: [{ a: 'x\ny' }] }));
  writeFileSync(join(files, 'nul.json'), JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: [{ a: 'x\u0000y' }] }));
  writeFileSync(join(files, 'dotdot.json'), JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: [{ '../x': '1' }] }));
  writeFileSync(join(files, 'type.json'), JSON.stringify({ mdev_type: '../../x', start: 'manual' }));
  return {
    root: h.root,
    outside: out.dir,
    files,
    cleanup: () => {
      h.cleanup();
      out.cleanup();
    },
  };
}

const CASES: Array<[string, (files: string) => string[], 1 | 2, RegExp]> = [
  ['parent with /..', () => ['define', '-u', U, '-p', '../x', '-t', 'mtty-1'], 2, /--parent <PARENT>': it contains '\/'/],
  ['parent ..', () => ['start', '-p', '..', '-t', 'mtty-1'], 2, /'\.\.' is not a name/],
  ['parent with a newline', () => ['define', '-p', 'a\nb', '-t', 'mtty-1'], 2, /control character/],
  ['parent longer than NAME_MAX', () => ['define', '-p', LONG, '-t', 'mtty-1'], 2, /"n{64}"… \(300 characters\).*longer than 255 bytes/],
  ['type longer than NAME_MAX', () => ['start', '-p', 'mtty', '-t', LONG], 2, /longer than 255 bytes/],
  ['attribute name ../x', () => ['modify', '-u', U, '--addattr', '../x', '--value', '1'], 2, /it contains '\/'/],
  ['attribute value with a newline', () => ['modify', '-u', U, '--addattr', 'a', '--value', 'x\ny'], 2, /line break/],
  ['jsonfile larger than 1 MiB', (f) => ['define', '-p', 'mtty', '--jsonfile', join(f, 'huge.json')], 1, /larger than 1048576 bytes/],
  ['jsonfile nested 400000 deep', (f) => ['start', '-p', 'mtty', '--jsonfile', join(f, 'deep.json')], 1, /expected a JSON object/],
  ['attribute value nested 200000 deep', (f) => ['define', '-p', 'mtty', '--jsonfile', join(f, 'deep-attr.json')], 1, /must be a string/],
  ['jsonfile not UTF-8', (f) => ['modify', '-u', U, '--jsonfile', join(f, 'latin1.json')], 1, /not valid UTF-8/],
  ['jsonfile attribute value with a newline', (f) => ['define', '-p', 'mtty', '--jsonfile', join(f, 'newline.json')], 1, /line break/],
  ['jsonfile attribute value with NUL', (f) => ['start', '-p', 'mtty', '--jsonfile', join(f, 'nul.json')], 1, /NUL/],
  ['jsonfile attribute name ../x', (f) => ['define', '-p', 'mtty', '--jsonfile', join(f, 'dotdot.json')], 1, /attribute name "\.\.\/x"/],
  ['jsonfile type ../../x', (f) => ['define', '-p', 'mtty', '--jsonfile', join(f, 'type.json')], 1, /"mdev_type" "\.\.\/\.\.\/x"/],
  ['define under a parent dir linked outside', () => ['define', '-u', U, '-p', 'evil', '-t', 'mtty-1'], 1, /evil leads outside the environment root/],
  ['undefine under a parent dir linked outside', () => ['undefine', '-u', OUT_UUID, '-p', 'evil'], 1, /evil leads outside the environment root/],
  ['modify of a definition file linked outside', () => ['modify', '-u', OUT_UUID, '--auto'], 1, new RegExp(`${OUT_UUID} leads outside`)],
  ['start of a definition only found outside', () => ['start', '-u', OUT_UUID, '-p', 'evil'], 1, /evil leads outside the environment root/],
];

test('hostile names, JSON and links: one error line, exit 1 or 2, nothing changed inside or outside the root', () => {
  const h = hostileHost();
  try {
    const host = { root: h.root } as Parameters<typeof unchanged>[0];
    const outsideBefore = tree(h.outside);
    for (const [what, args, status, message] of CASES) {
      let r: RunResult | undefined;
      unchanged(host, () => {
        r = runBin(h.root, args(h.files));
      });
      assert.ok(r);
      fails(r, status, message);
      assert.deepEqual(tree(h.outside), outsideBefore, `${what}: nothing outside the root changed`);
    }
  } finally {
    h.cleanup();
  }
});

test('list -d skips what leads outside the root with a warning each, and lists the rest', () => {
  const h = hostileHost();
  try {
    const r = runBin(h.root, ['list', '-d']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${U} mtty mtty-1 manual\n`);
    const warnings = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(warnings.length, 2, r.stderr);
    assert.match(warnings[0] ?? '', /WARN  mdevctl\] .*etc\/mdevctl\.d\/evil leads outside the environment root/);
    assert.match(warnings[1] ?? '', new RegExp(`WARN  mdevctl\\] .*mdpy/${OUT_UUID} leads outside the environment root`));
  } finally {
    h.cleanup();
  }
});

test('a NUL in an option value (possible in-process, e.g. from an embedder) is a usage error', async () => {
  const h = hostileHost();
  try {
    const before = tree(h.root);
    for (const args of [['define', '-p', 'a\0b', '-t', 'mtty-1'], ['modify', '-u', U, '--addattr', 'a', '--value', 'x\0y']]) {
      const r = await inProcess(h.root, args);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^error: [^\n]*NUL character\n$/);
    }
    assert.deepEqual(tree(h.root), before);
  } finally {
    h.cleanup();
  }
});

test('stored definitions that are huge or not UTF-8 are reported by name; the others still list', () => {
  const h = hostileHost();
  try {
    const bad1 = '7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e03';
    const bad2 = '7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e04';
    writeFileSync(join(h.root, 'etc/mdevctl.d/mtty', bad1), Buffer.from('{"mdev_type":"mtty-1","start":"auto","attrs":[{"a":"\xff"}]}', 'latin1'));
    writeFileSync(join(h.root, 'etc/mdevctl.d/mtty', bad2), `${GOOD}${' '.repeat(2 * 1024 * 1024)}`);
    const r = runBin(h.root, ['list', '-d', '-p', 'mtty']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${U} mtty mtty-1 manual\n`);
    assert.match(r.stderr, new RegExp(`${bad1}: not valid UTF-8`));
    assert.match(r.stderr, new RegExp(`${bad2}: larger than 1048576 bytes`));
    // A command that needs that very file fails clearly (SPEC §5), and the file stays as it was.
    unchanged({ root: h.root } as Parameters<typeof unchanged>[0], () => {
      fails(runBin(h.root, ['start', '-u', bad1]), 1, /not valid UTF-8/);
      fails(runBin(h.root, ['modify', '-u', bad2, '--auto']), 1, /larger than 1048576 bytes/);
    });
  } finally {
    h.cleanup();
  }
});
