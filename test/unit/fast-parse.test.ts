// The plain command-line path of issue 28 (core/src/cli/fast-parse.ts) against clipanion's own
// parse: for every mdevctl command and lsmdev, random argument lists built from the command's own
// option names (short and long, `--name=value`, repeats, and shapes the plain path leaves to
// clipanion: batches, `--no-…`, unknown options, missing values, stray words). Wherever the plain
// path answers, clipanion gives the same option values; where clipanion refuses, the plain path
// does not answer. And the registry's table: each name loads the class of exactly that path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import type { BaseContext, Command, CommandClass } from 'clipanion';
import { REPO } from '../helpers/cli.js';

interface Registry {
  COMMAND_NAMES: readonly string[];
  commandClasses(program: 'mdevctl' | 'lsmdev'): Promise<CommandClass<BaseContext>[]>;
  commandNamed(name: string): Promise<CommandClass<BaseContext> | undefined>;
  createCli(program: 'mdevctl' | 'lsmdev', classes: readonly CommandClass<BaseContext>[]): {
    process(input: string[], context: object): Command<BaseContext>;
  };
}
const registry = (await import(join(REPO, 'core/dist/cli/registry.js'))) as Registry;
const { parsePlain } = (await import(join(REPO, 'core/dist/cli/fast-parse.js'))) as {
  parsePlain(c: CommandClass<BaseContext>, path: string[], args: readonly string[], context: object): Command<BaseContext> | undefined;
};

/** The option names of a command and whether each takes a value, from clipanion's declarations. */
function optionsOf(c: CommandClass<BaseContext>): Array<{ name: string; arity: number }> {
  const out: Array<{ name: string; arity: number }> = [];
  const builder = {
    addOption: (o: { names: string[]; arity?: number }) => out.push(...o.names.map((name) => ({ name, arity: o.arity ?? 0 }))),
    addPositional: () => undefined,
    addRest: () => undefined,
    addProxy: () => undefined,
  };
  const command = new c() as unknown as Record<string, { definition?: (b: unknown, k: string) => void }>;
  for (const key in command) command[key]?.definition?.(builder, key);
  return out;
}

/** The fields the options set (the command's own enumerable properties but context and path). */
function values(command: Command<BaseContext>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(command)) if (k !== 'context' && k !== 'path' && k !== 'cli') out[k] = v;
  return out;
}

const context = { env: {}, stdout: process.stdout, stderr: process.stderr };

async function compare(program: 'mdevctl' | 'lsmdev', c: CommandClass<BaseContext>, name: string | undefined): Promise<void> {
  const options = optionsOf(c);
  const value = fc.oneof(fc.constantFrom('mtty', '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace', '/dev/stdin', '-', '', 'a=b', '-x', '--defined'), fc.string({ maxLength: 4 }));
  const optionTokens: fc.Arbitrary<string[]> =
    options.length > 0
      ? fc.constantFrom(...options).chain((o): fc.Arbitrary<string[]> =>
          o.arity === 0 ? fc.constant([o.name]) : fc.oneof(value.map((v) => [o.name, v]), value.map((v) => [`${o.name}=${v}`])),
        )
      : fc.constant([]);
  const odd: fc.Arbitrary<string[]> = fc.constantFrom(['-dv'], ['--no-defined'], ['--bogus'], ['stray'], ['-u'], ['--uuid='], ['--'], ['-']);
  const token: fc.Arbitrary<string[]> = fc.oneof({ weight: 6, arbitrary: optionTokens }, { weight: 1, arbitrary: odd });
  await fc.assert(
    fc.asyncProperty(fc.array(token, { maxLength: 5 }), async (tokens) => {
      const args = tokens.flat();
      const path = name === undefined ? [] : [name];
      let expected: Record<string, unknown> | undefined;
      try {
        expected = values(registry.createCli(program, [c]).process([...path, ...args], context));
      } catch {
        expected = undefined; // clipanion refuses: the plain path must leave it to clipanion
      }
      let actual: Record<string, unknown> | undefined;
      try {
        const plain = parsePlain(c, path, args, context);
        actual = plain ? values(plain) : undefined;
      } catch (err) {
        // A validator's refusal: clipanion refuses the same arguments.
        assert.equal(expected, undefined, `plain path threw ${String(err)} where clipanion accepted ${JSON.stringify(args)}`);
        return;
      }
      if (actual === undefined) return; // left to clipanion
      assert.deepEqual(actual, expected, `${program} ${path.join(' ')} ${JSON.stringify(args)}`);
    }),
    { numRuns: 150 },
  );
}

test('the plain path sets every option exactly as clipanion does, for every command', async () => {
  for (const name of registry.COMMAND_NAMES) {
    const c = await registry.commandNamed(name);
    assert.ok(c, name);
    await compare('mdevctl', c, name);
  }
  const [lsmdev] = await registry.commandClasses('lsmdev');
  assert.ok(lsmdev);
  await compare('lsmdev', lsmdev, undefined);
});

test("libvirt's and udev's argument shapes take the plain path", async () => {
  const shapes: Array<[string, string[]]> = [
    ['list', ['--dumpjson', '--defined']],
    ['list', ['--dumpjson']],
    ['list', ['-d']],
    ['start', ['--uuid=0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace']],
    ['start', ['--parent=mtty', '--jsonfile=/dev/stdin']],
    ['define', ['-p', 'mtty', '-u', '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace', '--jsonfile', '/dev/stdin']],
    ['stop', ['--uuid=0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace']],
    ['undefine', ['--uuid=0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace']],
    ['modify', ['--uuid', '0c0de0ca-c4e0-4c0d-8e0c-0dec0de0cace', '--auto']],
    ['types', []],
    ['start-parent-mdevs', ['mtty']],
  ];
  for (const [name, args] of shapes) {
    const c = await registry.commandNamed(name);
    assert.ok(c && parsePlain(c, [name], args, context), `${name} ${args.join(' ')}`);
  }
});

test('each registry name loads the class whose path is that name', async () => {
  const classes = await registry.commandClasses('mdevctl');
  assert.deepEqual(classes.map((c) => c.paths), registry.COMMAND_NAMES.map((n) => [[n]]));
  assert.equal(new Set(registry.COMMAND_NAMES).size, registry.COMMAND_NAMES.length);
});
