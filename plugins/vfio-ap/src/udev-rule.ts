// The persistent AP bus masks as s390-tools keeps them: chzdev (zdev) writes the udev rule
// /etc/udev/rules.d/41-ap.rules, whose `ATTR{../../bus/ap/apmask}="0x…"` and
// `ATTR{../../bus/ap/aqmask}="0x…"` lines set the masks at boot. A line counts when its first
// key is such an ATTR (as s390-tools' own reader takes it); comments and other lines are skipped.

import { parseMask } from './apqn.js';

/** Relative to the environment root. */
export const AP_UDEV_RULE = 'etc/udev/rules.d/41-ap.rules';

export interface RuleMasks {
  /** Bits of apmask, when the rule sets it (and it parses). */
  readonly apmask?: number[];
  readonly aqmask?: number[];
}

export function parseApRule(text: string): RuleMasks {
  let apmask: number[] | undefined;
  let aqmask: number[] | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*ATTR\{([^}]*)\}\s*=\s*"([^"]*)"/.exec(line);
    if (m === null) continue;
    const key = m[1] ?? '';
    const bits = parseMask(m[2] ?? '');
    if (bits === undefined) continue;
    if (key.includes('apmask')) apmask = bits;
    else if (key.includes('aqmask')) aqmask = bits;
  }
  return { ...(apmask ? { apmask } : {}), ...(aqmask ? { aqmask } : {}) };
}
