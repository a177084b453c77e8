/**
 * What every command gets: the bootstrap servers, output streams with their colour settings, and
 * clients that are closed when the command ends.
 */
import { Admin, type ClientOptions } from '@gregor/client';
import { painter, type Painter } from './output.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export class Context {
  readonly out: Painter;
  readonly err: Painter;
  private readonly closers: (() => Promise<void>)[] = [];
  private adminClient: Admin | undefined;

  constructor(
    readonly bootstrap: string,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.out = painter(stdout);
    this.err = painter(stderr);
  }

  get brokers(): string[] {
    return this.bootstrap.split(',').map((s) => s.trim());
  }

  clientOptions(): ClientOptions {
    return { brokers: this.brokers, clientId: 'gregor-cli' };
  }

  /** The admin client, connected on first use (so an unreachable broker fails here, readably). */
  async admin(): Promise<Admin> {
    if (!this.adminClient) {
      const admin = new Admin(this.clientOptions());
      this.adminClient = admin;
      this.onClose(() => admin.close());
      await admin.connect();
    }
    return this.adminClient;
  }

  onClose(closer: () => Promise<void>): void {
    this.closers.push(closer);
  }

  print(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  async close(): Promise<void> {
    for (const c of this.closers.reverse()) await c().catch(() => undefined);
    this.closers.length = 0;
  }
}
