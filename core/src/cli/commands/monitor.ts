// mdevctl monitor: one line per change of the definitions, running devices and parents, as it
// happens (core/src/monitor/); --json for one object per line.

import { Command, Option } from 'clipanion';
import { UsageError } from '../../model/errors.js';
import { quoted } from '../../model/names.js';
import { MdevctlCommand } from './base.js';
import { optionalName, optionalUuid } from '../values.js';

export const MONITOR_DETAILS = `
  Prints one line per change as it happens, whoever made it (mdevctl, libvirt, a write to sysfs by hand, another tool): 'defined', 'undefined', 'modified' (with what changed: type, start, attrs), 'started', 'stopped', 'parent-added', 'parent-removed'. A text line is 'TIME EVENT UUID PARENT TYPE', '-' where there is none, and 'changed=type,start,attrs' after a 'modified' one; TIME is UTC (ISO 8601). The 'json' option prints one JSON object per line instead: time, event, uuid (null for a parent), parent, type (null for a parent) and, for 'modified', changed. Changes are gathered for 100 ms and each is printed once. The 'initial' option first prints the current state as 'parent-added', 'defined' and 'started' events. It runs until 'count' events were printed, 'timeout' seconds passed (exit status 0), SIGINT or SIGTERM (130, 143) or its output was closed (141, noticed at the next event). It takes no lock and changes nothing.
`;

/** Most seconds --timeout takes (node's longest timer is about 24.8 days). */
const MAX_TIMEOUT_SECONDS = 2_000_000;

export class MonitorCommand extends MdevctlCommand {
  static override paths = [['monitor']];
  static override usage = Command.Usage({
    description: 'Print changes of mediated devices as they happen',
    details: MONITOR_DETAILS,
    examples: [
      ['Follow every change', 'mdevctl monitor'],
      ['The current state, then every change, as JSON lines', 'mdevctl monitor --json --initial'],
      ['Wait up to 30 seconds for the next change of one device', 'mdevctl monitor -u 783e6dbb-ea0e-411f-94e2-717eaad438bf --count 1 --timeout 30'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'Print one JSON object per event' });
  initial = Option.Boolean('--initial', false, { description: 'First print the current state as events' });
  count = Option.String('--count', { description: 'Exit after this many events' });
  timeout = Option.String('--timeout', { description: 'Exit after this many seconds' });
  parent = Option.String('-p,--parent', { description: 'Only events of devices on the specified Parent device (and of the parent itself)' });
  uuid = Option.String('-u,--uuid', { description: 'Only events of the device with the specified UUID' });

  async execute(): Promise<number> {
    const count = this.count === undefined ? undefined : countValue(this.count);
    const timeoutSeconds = this.timeout === undefined ? undefined : secondsValue(this.timeout);
    const options = {
      json: this.json,
      initial: this.initial,
      count,
      timeoutSeconds,
      uuid: optionalUuid(this.uuid),
      parent: optionalName(this.parent, '--parent <PARENT>'),
    };
    return this.context.app().monitor(options, (line) => this.context.stdout.write(line) !== false);
  }
}

function countValue(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 0xffffffff) {
    throw new UsageError(`Invalid value ${quoted(value)} for '--count <N>': not a positive integer`);
  }
  return Number(value);
}

function secondsValue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`Invalid value ${quoted(value)} for '--timeout <SECONDS>': not a number of seconds above 0, at most ${MAX_TIMEOUT_SECONDS}`);
  }
  return n;
}
