// The shared list every validate tap reports into: the SDK's (the test harness uses the same);
// and the text a user sees for one of its problems: core's and the built-in plugins' messages as
// they stand (they are mdevctl's own), an external plugin's named, `Plugin <source>: <message>`,
// so that an admin knows which installed package refused.

import type { Diagnostic } from '@mdevctl/plugin-sdk';
import { BUILTIN_PLUGINS } from '../plugins/builtin.js';
import { CORE_SOURCE } from './builtin/checks.js';

export { DiagnosticList } from '@mdevctl/plugin-sdk';

const OWN_SOURCES: ReadonlySet<string> = new Set([CORE_SOURCE, ...BUILTIN_PLUGINS.map((p) => p.name)]);

/** One problem as the user sees it (error line, warning, `validate` and plan lines). */
export function diagnosticText(d: Diagnostic): string {
  return OWN_SOURCES.has(d.source) ? d.message : `Plugin ${d.source}: ${d.message}`;
}
