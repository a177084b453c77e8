/**
 * Delayed operations and the purgatory that holds them (Kafka's `DelayedOperation` and
 * `DelayedOperationPurgatory`): a produce waiting for its batch to be replicated, a fetch waiting
 * for bytes. An operation watches one or more keys (a partition); whoever changes a key's state
 * (an append, a high-watermark move, a leadership change) calls `checkAndComplete(key)`, and only
 * the operations watching that key re-check their condition. Each completes exactly once: by its
 * condition, by its timeout (on the injected clock) or by force.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.js';

export abstract class DelayedOperation {
  private completed = false;
  private expiredFlag = false;
  /** Set by the purgatory: cancels the timer and stops watching. */
  private release: (() => void) | undefined;

  constructor(readonly timeoutMs: number) {}

  get isCompleted(): boolean {
    return this.completed;
  }

  /** True when the operation completed because its time ran out. */
  get expired(): boolean {
    return this.expiredFlag;
  }

  /**
   * Checks the condition; when it holds, calls `forceComplete()` and returns true. Must be cheap:
   * it runs on every change to a watched key.
   */
  abstract tryComplete(): boolean;

  /** Builds and sends the result; runs exactly once, whatever completed the operation. */
  protected abstract onComplete(): void;

  /** Completes the operation now unless it already completed; true when this call did it. */
  forceComplete(): boolean {
    if (this.completed) return false;
    this.completed = true;
    this.release?.();
    this.release = undefined;
    this.onComplete();
    return true;
  }

  /** @internal the purgatory's hook. */
  attach(release: () => void): void {
    this.release = release;
  }

  /** @internal called by the purgatory's timer. */
  expire(): boolean {
    if (this.completed) return false;
    this.expiredFlag = true;
    return this.forceComplete();
  }
}

export class Purgatory<K> {
  private readonly watchers = new Map<K, Set<DelayedOperation>>();
  private pending = 0;
  private expirations = 0;

  constructor(
    readonly name: string,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Completes `op` at once if it can; else watches it under `keys` until a key's check completes
   * it or its timeout passes. Returns true when it completed at once.
   */
  tryCompleteElseWatch(op: DelayedOperation, keys: readonly K[]): boolean {
    if (op.tryComplete()) return true;
    if (op.isCompleted) return true;
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(op);
    }
    this.pending++;
    const timer: TimerHandle = this.clock.schedule(op.timeoutMs, () => {
      if (op.expire()) this.expirations++;
    });
    op.attach(() => {
      timer.cancel();
      this.pending--;
      for (const key of keys) {
        const set = this.watchers.get(key);
        if (!set) continue;
        set.delete(op);
        if (set.size === 0) this.watchers.delete(key);
      }
    });
    return false;
  }

  /** Re-checks the operations watching `key`; returns how many completed. */
  checkAndComplete(key: K): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let completed = 0;
    // Completion removes an operation from `set`, so iterate over a copy.
    for (const op of [...set]) if (!op.isCompleted && op.tryComplete()) completed++;
    return completed;
  }

  /** Operations waiting (each counted once, whatever number of keys it watches). */
  get size(): number {
    return this.pending;
  }

  /** Operations watching `key`. */
  watching(key: K): number {
    return this.watchers.get(key)?.size ?? 0;
  }

  /** Operations that completed by timing out, since the purgatory was made. */
  get expiredCount(): number {
    return this.expirations;
  }

  /** Completes every waiting operation now (shutdown): each answers with what it has. */
  completeAll(): void {
    const all = new Set<DelayedOperation>();
    for (const set of this.watchers.values()) for (const op of set) all.add(op);
    for (const op of all) op.forceComplete();
  }
}
