/**
 * What every command gets: the bootstrap servers and client properties (see connection.ts),
 * output streams with their colour settings, a signal for a closed stdout, and clients that are
 * closed when the command ends.
 */
import type { Admin, ClientOptions, ConsumerOptions, ProducerOptions } from '@gregor/client';
import { resolveProperties, type Property, type Role } from './client-properties.js';
import { stdoutClosed as closedSignal } from './io/stdio.js';
import { painter, type Painter } from './output.js';

export { DEFAULT_BOOTSTRAP } from './connection.js';

export class Context {
  readonly out: Painter;
  readonly err: Painter;
  private readonly closers: (() => Promise<void>)[] = [];
  private adminClient: Promise<Admin> | undefined;
  private readonly warned = new Set<string>();

  constructor(
    readonly bootstrap: string,
    readonly properties: readonly Property[] = [],
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    /** Aborted when stdout's reader has gone (`| head`): stop writing and finish. */
    readonly stdoutClosed: AbortSignal = closedSignal,
  ) {
    this.out = painter(stdout);
    this.err = painter(stderr);
  }

  get brokers(): string[] {
    return this.bootstrap.split(',').map((s) => s.trim());
  }

  /** The options for a client in `role`: ours, overridden by the client properties given. */
  private optionsFor(role: Role): ClientOptions & Record<string, unknown> {
    const { options } = resolveProperties(this.properties, role, (text) => this.warnOnce(text));
    return { brokers: this.brokers, clientId: 'gregor-cli', ...options };
  }

  clientOptions(): ClientOptions {
    return this.optionsFor('admin');
  }

  /** `defaults` apply where no property set the option; `flags` (explicit command options) win over properties. */
  producerOptions(defaults: Partial<ProducerOptions> = {}, flags: Partial<ProducerOptions> = {}): ProducerOptions {
    return { ...defaults, ...(this.optionsFor('producer') as ProducerOptions), ...flags };
  }

  consumerOptions(defaults: Partial<ConsumerOptions> = {}, flags: Partial<ConsumerOptions> = {}): ConsumerOptions {
    return { ...defaults, ...(this.optionsFor('consumer') as ConsumerOptions), ...flags };
  }

  /** The admin client, connected on first use (so an unreachable broker fails here, readably). */
  admin(): Promise<Admin> {
    this.adminClient ??= (async () => {
      // Loaded here, not at start-up: commands that never talk to a broker skip the client.
      const { Admin } = await import('@gregor/client');
      const admin = new Admin(this.clientOptions());
      this.onClose(() => admin.close());
      await admin.connect();
      return admin;
    })();
    return this.adminClient;
  }

  onClose(closer: () => Promise<void>): void {
    this.closers.push(closer);
  }

  print(text = ''): void {
    if (!this.stdoutClosed.aborted) this.stdout.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  private warnOnce(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.warn(text);
  }

  async close(): Promise<void> {
    for (const c of this.closers.reverse()) await c().catch(() => undefined);
    this.closers.length = 0;
  }
}
