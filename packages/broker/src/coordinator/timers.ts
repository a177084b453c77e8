/** Timers under string keys on Node's clock: unref'd (they never keep the process alive), all cleared on close. */
import type { Timers } from './classic-env.js';

export class NodeTimers implements Timers {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly onError: (err: unknown, key: string) => void) {}

  now(): number {
    return Date.now();
  }

  schedule(key: string, delayMs: number, fn: () => void): void {
    this.cancel(key);
    if (this.closed) return;
    const t = setTimeout(() => {
      if (this.pending.get(key) === t) this.pending.delete(key);
      try {
        fn();
      } catch (err) {
        this.onError(err, key);
      }
    }, delayMs);
    t.unref();
    this.pending.set(key, t);
  }

  cancel(key: string): void {
    const t = this.pending.get(key);
    if (t === undefined) return;
    clearTimeout(t);
    this.pending.delete(key);
  }

  /** Cancels every timer whose key starts with `prefix` (a group going away). */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.pending.keys()]) if (key.startsWith(prefix)) this.cancel(key);
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
