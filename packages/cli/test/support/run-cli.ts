/**
 * Runs the real `gregor` binary (bin/gregor.js) in a child process, from a temporary working
 * directory, with stdin piped. Asynchronous on purpose: the test broker lives in the test process,
 * so its event loop must keep running while the CLI talks to it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/gregor.js', import.meta.url));
const CWD = mkdtempSync(join(tmpdir(), 'gregor-cli-cwd-'));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for binary output. */
  stdoutBytes: Buffer;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
    delete env.GREGOR_BOOTSTRAP_SERVER;
    delete env.GREGOR_PROFILE;
    if (options.env?.GREGOR_BOOTSTRAP_SERVER) env.GREGOR_BOOTSTRAP_SERVER = options.env.GREGOR_BOOTSTRAP_SERVER;
    if (options.env?.GREGOR_PROFILE) env.GREGOR_PROFILE = options.env.GREGOR_PROFILE;
    // Never the user's own profiles: a config file that does not exist unless a test writes one.
    env.GREGOR_CONFIG = options.env?.GREGOR_CONFIG ?? join(CWD, 'no-profiles.json');
    const child = spawn(process.execPath, [BIN, ...args], { cwd: CWD, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gregor ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // it may exit (a usage error) before reading its input
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      stdout = stdoutBytes.toString();
      resolve({ code, stdout, stderr, stdoutBytes });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A shell pipeline (bash, with pipefail off): `$GREGOR` runs the binary. Used for `gregor … | head`. */
export function runShell(script: string, options: RunOptions = {}): Promise<CliResult> {
  return runProcess('bash', ['-c', script], {
    ...options,
    env: { GREGOR: `${process.execPath} ${BIN}`, ...options.env },
  });
}

/** kcat, with bytes in and out. */
export function runKcat(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return runProcess('kcat', args, options);
}

function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      GREGOR_CONFIG: join(CWD, 'no-profiles.json'),
      ...options.env,
    };
    const child = spawn(command, args, { cwd: CWD, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString(), stderr, stdoutBytes });
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading all its input
    child.stdin.end(options.input ?? '');
  });
}

/** A TCP port on 127.0.0.1 with nothing listening (bound once, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Lines of output, without the trailing empty one. */
export const lines = (text: string): string[] => text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');

/** Splits a table row on runs of two or more spaces. */
export const cells = (line: string): string[] => line.trim().split(/\s{2,}/);
