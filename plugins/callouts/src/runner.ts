// Runs one script once: its arguments, a string on stdin (a script that does not read it is
// fine: execa ignores the closed pipe, EPIPE), stdout and stderr captured. The script runs in a
// process group of its own so that, when it outlives the timeout, the whole group (the shell
// and whatever it started, e.g. `sleep`) is killed. The timeout bounds the whole run, pipes
// included: a process that left the group (`setsid`, a daemon) may still hold the script's
// stdout or stderr open, so once the timeout has passed and the script itself is gone (at once,
// or after SIGTERM, or at the latest after SIGKILL) our ends of its pipes are closed instead of
// waiting for an end of file that may never come.

// execa (about a hundred modules) is loaded on the first script run, not at start-up: most
// mdevctl invocations run no script at all.
let execaModule: Promise<typeof import('execa')> | undefined;

/** More output than any call-out answer needs; a script writing more is stopped. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
/** After SIGTERM at the timeout, how long a script may take to go before SIGKILL. */
const KILL_GRACE_MS = 1000;

export type RunResult =
  /** The script ran and exited with a status. */
  | { readonly kind: 'exit'; readonly code: number; readonly stdout: string; readonly stderr: string }
  /** The script misbehaved (hung past the timeout, flooded its output) and was killed: a failure. */
  | { readonly kind: 'broken'; readonly message: string; readonly stderr: string }
  /** The script could not be run at all, or a signal not sent by us ended it: skip it. */
  | { readonly kind: 'skipped'; readonly message: string; readonly stderr: string };

export async function runScript(path: string, args: readonly string[], input: string, timeoutMs: number): Promise<RunResult> {
  execaModule ??= import('execa');
  const { execa } = await execaModule;
  const sub = execa(path, args, {
    input,
    reject: false,
    stripFinalNewline: false,
    detached: true,
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  let timedOut = false;
  // Whether the script itself had exited when the timeout passed (only its pipes were open).
  let exitedBeforeTimeout = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (sub.pid === undefined) return;
    try {
      process.kill(-sub.pid, signal);
    } catch {
      // already gone
    }
  };
  const exited = (): boolean => sub.exitCode !== null || sub.signalCode !== null;
  // Our ends of the script's pipes, closed: execa then settles with the output read so far.
  const closePipes = (): void => {
    for (const stream of [sub.stdin, sub.stdout, sub.stderr]) stream?.destroy();
  };
  let forceKill: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    exitedBeforeTimeout = exited();
    killGroup('SIGTERM');
    if (exited()) closePipes();
    else sub.once('exit', closePipes);
    forceKill = setTimeout(() => {
      killGroup('SIGKILL');
      closePipes();
    }, KILL_GRACE_MS);
  }, timeoutMs);
  try {
    const r = await sub;
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const stderr = typeof r.stderr === 'string' ? r.stderr : '';
    if (timedOut && exitedBeforeTimeout) {
      return {
        kind: 'broken',
        message: `exited, but a process it started kept its output open past the timeout (${timeoutMs} ms); it was given up`,
        stderr,
      };
    }
    if (timedOut) return { kind: 'broken', message: `timed out after ${timeoutMs} ms and was killed`, stderr };
    if (r.isMaxBuffer) {
      return { kind: 'broken', message: `wrote more than ${MAX_OUTPUT_BYTES} bytes of output and was killed`, stderr };
    }
    if (typeof r.exitCode === 'number') return { kind: 'exit', code: r.exitCode, stdout, stderr };
    if (r.signal !== undefined) return { kind: 'skipped', message: `was terminated by signal ${r.signal}`, stderr };
    return { kind: 'skipped', message: cannotRun(r.code, r.originalMessage ?? r.shortMessage ?? 'unknown error'), stderr };
  } finally {
    clearTimeout(timer);
    if (forceKill) clearTimeout(forceKill);
  }
}

function cannotRun(code: string | undefined, message: string): string {
  switch (code) {
    case 'EACCES':
      return 'it is not executable (EACCES)';
    case 'ENOENT':
      return 'it or its interpreter does not exist (ENOENT)';
    case 'ENOEXEC':
      return 'it is not a valid executable (ENOEXEC)';
    default:
      return `it cannot be run: ${message.split('\n')[0] ?? message}`;
  }
}
