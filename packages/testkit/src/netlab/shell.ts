/**
 * Running `ip`, `nft` and friends: each call's failure names the command and carries its stderr,
 * so a lab that cannot be built says why.
 */
import { spawn, spawnSync } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`\`${argv.join(' ')}\` failed (${status ?? 'killed'}): ${stderr.trim() || '(no output)'}`);
    this.name = 'CommandError';
  }
}

/** Runs `cmd args`, writing `input` to its stdin; resolves with its stdout, rejects on a non-zero exit. */
export function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new CommandError([cmd, ...args], null, err.message)));
    child.on('close', (status) =>
      status === 0 ? resolve(stdout) : reject(new CommandError([cmd, ...args], status, stderr)),
    );
    if (input !== undefined) {
      // A command that exits without reading its input must not crash us with EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    }
  });
}

/** The synchronous form, for teardown from an exit handler; returns undefined instead of throwing. */
export function runSync(cmd: string, args: readonly string[]): string | undefined {
  const result = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return result.status === 0 ? result.stdout : undefined;
}
