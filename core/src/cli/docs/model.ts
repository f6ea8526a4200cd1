// The commands as the man pages and the completion script see them, read from the clipanion
// command definitions (the same ones `--help` prints), so the documents never drift from the
// options the commands really take.

import type { CommandClass, Definition } from 'clipanion';
import type { CliContext } from '../context.js';
import { LEGACY_CATEGORY } from '../legacy/names.js';
import { hiddenCommands } from '../registry.js';

export interface OptionDoc {
  /** `-u`, `--uuid`, … in definition order. */
  readonly names: readonly string[];
  readonly short?: string | undefined;
  readonly long?: string | undefined;
  /** The value placeholder (`UUID`), or undefined for a flag. */
  readonly value?: string | undefined;
  readonly description: string;
}

export interface CommandDoc {
  readonly name: string;
  readonly description: string;
  /** Paragraphs of the details text, each on one line. */
  readonly details: readonly string[];
  readonly examples: ReadonlyArray<readonly [string, string]>;
  readonly options: readonly OptionDoc[];
  /** Positional argument names, in order (`parent`, `mdev-UUID`, …). */
  readonly positionals: readonly string[];
  /** Works, but not listed (start-parent-mdevs: run by the udev rule). */
  readonly hidden: boolean;
  /** A deprecated 0.x command. */
  readonly legacy: boolean;
}

/** Value placeholders where the upper-cased long name is not what the man page calls it. */
const PLACEHOLDERS: Record<string, string> = { '--jsonfile': 'FILE', '--addattr': 'ATTRIBUTE', '--exec': 'COMMAND', '--wait-parents': 'SECONDS', '--timeout': 'SECONDS', '--count': 'N' };

export function parseOption(definition: string, description: string | undefined): OptionDoc {
  const [names = '', arg] = definition.split(' ');
  const list = names.split(',');
  const long = list.find((n) => n.startsWith('--'));
  const short = list.find((n) => /^-[^-]/.test(n));
  const value = arg ? (long !== undefined ? (PLACEHOLDERS[long] ?? long.slice(2).toUpperCase()) : 'VALUE') : undefined;
  return { names: list, short, long, value, description: oneLine(description ?? '') };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function paragraphs(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\n\s*\n/)
    .map(oneLine)
    .filter((p) => p !== '');
}

/**
 * One document per registered command with a usage, in name order. `classes` are the
 * registered command classes (their static `hidden` marks the unlisted ones).
 */
export function commandDocs(definitions: readonly Definition[], classes: readonly CommandClass<CliContext>[]): CommandDoc[] {
  const hidden = hiddenCommands(classes);
  return definitions
    .map((d): CommandDoc => {
      const name = d.path.split(' ').slice(1).join(' ');
      return {
        name,
        description: oneLine(d.description ?? ''),
        details: paragraphs(d.details),
        examples: (d.examples ?? []).map(([text, command]) => [oneLine(text), command.trim()] as const),
        options: d.options.map((o) => parseOption(o.definition, o.description)),
        positionals: [...d.usage.matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? ''),
        hidden: hidden.has(name),
        legacy: d.category?.trim() === LEGACY_CATEGORY,
      };
    })
    .filter((c) => c.name !== '')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
