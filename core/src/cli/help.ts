// Help text in the layout of upstream's (clap) help, generated from the clipanion command
// definitions so it never drifts from the options the commands really take.

import type { Cli, Definition } from 'clipanion';
import type { CliContext } from './context.js';
import { LEGACY_CATEGORY } from './legacy/names.js';

export const ABOUT = 'A mediated device management utility for Linux';

/** `-u,--uuid #0` -> `-u, --uuid <UUID>`. */
function optionLabel(definition: string): string {
  const [names = '', arg] = definition.split(' ');
  const list = names.split(',');
  const long = list.find((n) => n.startsWith('--'));
  const shown = list.length === 1 && long ? `    ${long}` : list.join(', ');
  return arg ? `${shown} <${(long ?? '--value').slice(2).toUpperCase()}>` : shown;
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`.trimEnd()).join('\n');
}

/** clipanion's formatted text, without its trailing blanks. */
function clean(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

export function commandHelp(def: Definition, program: string): string {
  const rows: Array<[string, string]> = def.options.map((o) => [optionLabel(o.definition), o.description ?? '']);
  rows.push(['-h, --help', 'Print help']);
  const name = def.path.split(' ').slice(1).join(' ');
  const positionals = (def.usage.match(/<[^>]+>/g) ?? []).map((p) => ` ${p.toUpperCase()}`).join('');
  let out = `${clean(def.description ?? '')}\n\nUsage: ${program}${name ? ` ${name}` : ''} [OPTIONS]${positionals}\n\nOptions:\n${table(rows)}\n`;
  if (def.details) out += `\n${clean(def.details)}\n`;
  if (def.examples && def.examples.length > 0) {
    out += '\nExamples:\n';
    for (const [description, command] of def.examples) out += `  ${description.trim()}:\n    $ ${command}\n`;
  }
  return out;
}

/** `hidden`: the commands that work but are not listed (their classes say so; see registry.ts). */
export function programHelp(cli: Cli<CliContext>, program: string, version: string, hidden: ReadonlySet<string>): string {
  const rows: Array<[string, string]> = cli
    .definitions()
    .filter((d) => d.category?.trim() !== LEGACY_CATEGORY) // the deprecated 0.x commands: man page only
    .map((d): [string, string] => [d.path.split(' ').slice(1).join(' '), clean(d.description ?? '')])
    .filter(([name]) => name !== '' && !hidden.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  rows.push(['help', 'Print this message or the help of the given subcommand(s)']);
  return (
    `${program} ${version}\n${ABOUT}\n\nUsage: ${program} <COMMAND>\n\nCommands:\n${table(rows)}\n\n` +
    `Options:\n${table([
      ['-h, --help', 'Print help'],
      ['-V, --version', 'Print version'],
    ])}\n`
  );
}
