/**
 * A closed stdout (`gregor … | head -1`: the reader went away) ends the command quietly, as it
 * does for grep or kcat: no EPIPE stack trace, exit code 0, and long-running commands (consume)
 * stop through `stdoutClosed`. Installed once by the binary's entry, for every command.
 */

const closed = new AbortController();

/** Aborted when stdout can no longer be written (its reader closed the pipe). */
export const stdoutClosed: AbortSignal = closed.signal;

let failure: Error | undefined;

/** A write error other than a closed pipe (a full disk, say): reported, and the exit code is 1. */
export function stdoutFailure(): Error | undefined {
  return failure;
}

const PIPE_CLOSED = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

export function guardStdio(stdout: NodeJS.WriteStream = process.stdout, stderr = process.stderr): void {
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (!PIPE_CLOSED.has(e.code ?? '')) failure ??= e;
    closed.abort();
  });
  // Nothing sensible is left to report to when stderr itself is gone.
  stderr.on('error', () => undefined);
}

/**
 * Writes and resolves once the bytes are handed to the OS (true) or the stream failed (false).
 * On Linux, writes to pipes, files and terminals complete synchronously, so this costs no wait.
 */
export function writeFully(out: NodeJS.WritableStream, bytes: Buffer | string): Promise<boolean> {
  if (stdoutClosed.aborted && out === process.stdout) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      out.write(bytes, (e) => resolve(e === null || e === undefined));
    } catch {
      resolve(false);
    }
  });
}
