/**
 * `bufferMemory`: the bytes of records accepted but not yet acknowledged. A send that would go
 * over the limit waits (first come, first served) until acknowledgements free enough, or fails
 * with ERR_BUFFER_EXHAUSTED after `maxBlockMs`, as Kafka's `buffer.memory` and `max.block.ms`.
 */
import { ClientErrorCode, KafkaClientError } from '../errors.js';

interface Waiter {
  bytes: number;
  grant(): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

export class BufferPool {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly limit: number,
    private readonly maxBlockMs: number,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Sends are waiting for memory: the sender should not linger. */
  get exhausted(): boolean {
    return this.waiters.length > 0;
  }

  /** Takes `bytes` now if possible (and nobody is queued ahead). */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** Takes `bytes`, waiting for memory to be released. */
  reserve(bytes: number): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(
            new KafkaClientError(
              ClientErrorCode.BufferExhausted,
              `bufferMemory (${this.limit} bytes) stayed full for ${this.maxBlockMs} ms`,
            ),
          );
          this.grantWaiting();
        }, this.maxBlockMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  private grantWaiting(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0]!.bytes <= this.limit) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.used += w.bytes;
      w.grant();
    }
  }

  /** Fails every waiting send (on close). */
  failWaiting(error: unknown): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }
}
