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

/**
 * The synchronous form, for teardown from an exit handler: stdout, or undefined on a non-zero
 * exit (`ip -force -batch` reports a failure but still runs every line).
 */
export function runSync(cmd: string, args: readonly string[], input?: string): string | undefined {
  const result = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
  return result.status === 0 ? result.stdout : undefined;
}

/** Runs `ip` commands (one per line, without the leading `ip`) in one process: `ip [-n ns] -batch -`. */
export function ipBatch(lines: readonly string[], netns?: string): Promise<string> {
  return run('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], `${lines.join('\n')}\n`);
}
