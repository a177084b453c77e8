/**
 * Runs `npm start`'s entry (the compiled packages/broker/dist/main.js) as a real process with the given
 * arguments and environment, and collects what it prints: for start-up tests that check exit
 * codes, stderr and the log lines.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { brokerCommand } from '@gregor/broker/testing';
import { createInterface } from 'node:readline';

/** `node` arguments that run the broker as `npm start` does. */
export const BROKER = brokerCommand();

/** The CLI's and the broker's own variables are stripped, so the test controls them all. */
function environment(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GREGOR_')));
  return { ...env, ...extra };
}

/** Runs the broker expecting it to exit on its own (a refused start). */
export function runToExit(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [...BROKER, ...args], {
    encoding: 'utf8',
    env: environment(env),
    timeout: 60_000,
  });
}

export interface RunningBroker {
  child: ChildProcess;
  /** Every stdout line so far (JSON log entries when stdout is not a terminal). */
  lines: string[];
  port: number;
  metricsPort: number;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | string>;
}

/** Starts the broker and resolves once it logs 'broker started'; rejects if it exits first. */
export function startProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningBroker> {
  const child = spawn(process.execPath, [...BROKER, ...args], {
    env: environment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((res) => child.on('exit', (code, signal) => res(code ?? signal ?? -1)));
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolveStarted, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      let entry: { msg?: string; listener?: string; metricsPort?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg !== 'broker started' || !entry.listener) return;
      resolveStarted({
        child,
        lines,
        port: Number(entry.listener.split(':').pop()),
        metricsPort: entry.metricsPort ?? -1,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`broker exited (${code}) before starting: ${stderr}`)));
  });
}

/** The `msg` of every JSON log line at warn level. */
export const warnings = (lines: string[]): string[] =>
  lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      return entry.level === 40 && entry.msg ? [entry.msg] : [];
    } catch {
      return [];
    }
  });
