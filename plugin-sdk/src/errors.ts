// How a plugin's errors reach the user. Core prints an error thrown by a plugin's tap as
// `Error: Plugin <name>: <message>` — unless it is a VerbatimError, whose message already says
// everything (e.g. the call-out plugin's `Script '…' failed with status '1'`, as upstream prints it).

/**
 * The marker core looks for. A registered symbol, so it works across copies of the SDK (a vendor
 * package may bring its own copy).
 */
export const VERBATIM: unique symbol = Symbol.for('@mdevctl/plugin-sdk/verbatim');

/** An error whose message is printed as it stands, without the `Plugin <name>: ` prefix. */
export class VerbatimError extends Error {
  readonly [VERBATIM] = true;
  override readonly name: string = 'VerbatimError';
}

/** True for an error to print without the plugin prefix (a VerbatimError of any SDK copy). */
export function isVerbatim(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { [VERBATIM]?: unknown })[VERBATIM] === true;
}
