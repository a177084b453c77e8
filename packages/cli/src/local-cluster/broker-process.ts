/**
 * One broker of `gregor local-cluster`: the broker's own entry (`npm start`'s, found through the
 * `@gregor/broker/main` export) in a child process with Kafka's `--override` settings, its JSON
 * log rendered line by line for the terminal, and a stop that is SIGTERM (the broker's
 * controlled shutdown) then SIGKILL after a timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { renderLogLine } from './log-line.js';

/** How to run the broker: the compiled entry, or its TypeScript source through tsx when tests resolve to it. */
export function brokerCommand(): string[] {
  const main = fileURLToPath(import.meta.resolve('@gregor/broker/main'));
  return main.endsWith('.ts') ? ['--import', 'tsx', main] : [main];
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export const describeExit = (e: Exit): string => (e.signal ? `signal ${e.signal}` : `code ${e.code}`);

export interface BrokerOutput {
  /** A line the broker wrote, rendered (stdout: its log) or as it is (stderr). */
  line(name: string, text: string, stream: 'stdout' | 'stderr'): void;
}

export class BrokerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process ends, however it ends. */
  readonly exited: Promise<Exit>;
  /** Resolves when the broker logs 'broker started'; rejects if it exits first. */
  readonly started: Promise<void>;
  /** Set once stop() was asked for, so an exit is not reported as unexpected. */
  stopping = false;
  /** The last lines it wrote to stderr, for the reason it failed to start. */
  private stderrTail: string[] = [];

  constructor(
    readonly id: number,
    readonly port: number,
    settings: Record<string, string>,
    output: BrokerOutput,
  ) {
    this.name = `broker-${id}`;
    const args = [...brokerCommand()];
    for (const [k, v] of Object.entries(settings)) args.push('--override', `${k}=${v}`);
    // Its own process group: a Ctrl-C at the terminal reaches only local-cluster, which then
    // stops the brokers one by one before ZooKeeper.
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    let onStarted: () => void = () => undefined;
    this.started = new Promise<void>((resolve, reject) => {
      onStarted = resolve;
      void this.exited.then((e) => reject(new Error(this.failureReason(e))));
    });
    this.started.catch(() => undefined);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const rendered = renderLogLine(line);
      if (rendered.msg === 'broker started') onStarted();
      output.line(this.name, rendered.text, 'stdout');
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail = [...this.stderrTail, line].slice(-5);
      output.line(this.name, line, 'stderr');
    });
  }

  private failureReason(e: Exit): string {
    const said = this.stderrTail.join(' ').replace(/^gregor: /, '');
    return `${this.name} exited (${describeExit(e)}) before it started${said ? `: ${said}` : ''}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (a controlled shutdown), then SIGKILL after `timeoutMs`; resolves with how it ended. */
  async stop(timeoutMs: number): Promise<Exit & { killed: boolean }> {
    this.stopping = true;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, timeoutMs);
    if (this.running) this.child.kill('SIGTERM');
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, killed };
  }

  /** SIGKILL at once (a second Ctrl-C). */
  kill(): void {
    this.stopping = true;
    if (this.running) this.child.kill('SIGKILL');
  }
}
