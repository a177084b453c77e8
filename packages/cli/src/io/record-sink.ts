/**
 * Writes formatted records to stdout and counts only those that reached it whole, so the
 * "Processed a total of N messages" line stays honest when a pipe closes early (`| head -2`).
 *
 * Records are grouped into writes of at most PIPE_BUF (4096) bytes: a pipe takes such a write
 * entirely or not at all, so a record is counted exactly when its bytes are in the pipe (a
 * larger record goes alone and counts only if all of it was written). Records still buffered
 * in the pipe when its reader exits are discarded by the OS; Kafka's console consumer counts
 * those as processed too.
 */
import { writeFully } from './stdio.js';

const PIPE_BUF = 4096;

export class RecordSink {
  /** Records whose bytes were fully written. */
  written = 0;
  private parts: Buffer[] = [];
  private bytes = 0;
  private ok = true;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** False once a write failed (the reader is gone): stop producing output. */
  get open(): boolean {
    return this.ok;
  }

  /** Adds one record's bytes; writes the pending group first when this one would overflow it. */
  async add(record: Buffer): Promise<void> {
    if (this.bytes + record.length > PIPE_BUF) await this.flush();
    this.parts.push(record);
    this.bytes += record.length;
  }

  async flush(): Promise<boolean> {
    if (this.parts.length === 0 || !this.ok) return this.ok;
    const count = this.parts.length;
    const chunk = count === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    this.ok = await writeFully(this.out, chunk);
    if (this.ok) this.written += count;
    return this.ok;
  }
}
