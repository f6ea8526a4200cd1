// How one monitor event is printed: a text line (fields separated by one space, `-` for none,
// data escaped as in every text output, output/escape.ts) or, with --json, one JSON object on one
// line (valid UTF-8: a lone surrogate becomes U+FFFD, as in every JSON output). The schema is in
// docs/MONITOR.md.

import { textSafe, wellFormed } from '../output/escape.js';
import type { MonitorEvent } from './events.js';

/** `TIME EVENT UUID PARENT TYPE [changed=type,start,attrs]` */
export function formatEventText(e: MonitorEvent, time: Date): string {
  const fields = [time.toISOString(), e.event, e.uuid ?? '-', textSafe(e.parent), e.type === undefined ? '-' : textSafe(e.type)];
  if (e.changed !== undefined) fields.push(`changed=${e.changed.join(',')}`);
  return fields.join(' ') + '\n';
}

/** `{"time":…,"event":…,"uuid":…|null,"parent":…,"type":…|null[,"changed":[…]]}` */
export function formatEventJson(e: MonitorEvent, time: Date): string {
  const str = (s: string) => JSON.stringify(wellFormed(s));
  let out = `{"time":"${time.toISOString()}","event":"${e.event}","uuid":${e.uuid === undefined ? 'null' : str(e.uuid)}`;
  out += `,"parent":${str(e.parent)},"type":${e.type === undefined ? 'null' : str(e.type)}`;
  if (e.changed !== undefined) out += `,"changed":[${e.changed.map((c) => `"${c}"`).join(',')}]`;
  return out + '}\n';
}
