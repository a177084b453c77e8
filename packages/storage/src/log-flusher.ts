import { StorageError, StorageErrorCode } from './errors.js';
import type { LogSegment } from './log-segment.js';

/** What the flusher needs from its log. */
export interface FlushableLog {
  readonly dir: string;
  endOffset(): number;
  /** The segments that may hold offsets in [from, to). */
  segmentsBetween(from: number, to: number): LogSegment[];
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A log's recovery point and the fsyncs that move it (Kafka's `UnifiedLog.flush` and its
 * `recoveryPoint`): every offset below the recovery point is on disk, so recovery after a crash
 * starts there.
 *
 * Flushes run on libuv's thread pool (FilePool.sync), never on the event loop, one at a time per
 * log: requests made while one runs are merged into the next. The recovery point moves to a
 * flush's target only once its fsyncs completed, and never above a truncation made meanwhile (the
 * bytes fsynced there are gone; what replaced them was not flushed). Callers that must not answer
 * before their records are on disk (flush.messages) await the promise `flushTo` returns.
 */
export class LogFlusher {
  /** Records appended since the last flush started (flush.messages). */
  unflushedMessages = 0;
  /** When the last flush started (flush.ms). */
  lastFlushMs: number;
  /** The highest offset (exclusive) a flush was asked for. */
  private requested: number;
  /** The target of the flush running now, lowered by truncations made while it runs. */
  private running: { target: number } | undefined;
  private waiters: Waiter[] = [];
  private closed = false;
  /** The last flush failure (cleared by a successful flush), for the broker's log. */
  lastError: Error | undefined;

  constructor(
    private readonly log: FlushableLog,
    private point: number,
    now: number,
  ) {
    this.requested = point;
    this.lastFlushMs = now;
  }

  get recoveryPoint(): number {
    return this.point;
  }

  /** Whether a flush is running or asked for. */
  get busy(): boolean {
    return this.running !== undefined || this.requested > this.point;
  }

  /**
   * Flushes every offset below `offset` (at most the log end) and resolves once they are on disk.
   * The returned promise may be ignored: its failure is also kept in `lastError`.
   */
  flushTo(offset: number, now: number): Promise<void> {
    const target = Math.min(offset, this.log.endOffset());
    if (this.closed) return Promise.reject(closedError(this.log.dir));
    if (target <= this.point) return Promise.resolve();
    this.requested = Math.max(this.requested, target);
    this.unflushedMessages = 0;
    this.lastFlushMs = now;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ offset: target, resolve, reject }));
    // Handled here so that a caller ignoring the promise never causes an unhandled rejection.
    done.catch(() => undefined);
    if (!this.running) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.requested > this.point) {
      const flight = { target: this.requested };
      this.running = flight;
      try {
        await Promise.all(this.log.segmentsBetween(this.point, flight.target).map((s) => s.flushAsync()));
      } catch (err) {
        this.running = undefined;
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.running = undefined;
      if (this.closed) return;
      this.lastError = undefined;
      this.advance(flight.target);
    }
  }

  private advance(to: number): void {
    if (to <= this.point) return;
    this.point = to;
    const pending: Waiter[] = [];
    for (const w of this.waiters)
      if (w.offset <= to) w.resolve();
      else pending.push(w);
    this.waiters = pending;
  }

  /** An fsync failed: the recovery point stays; whoever waits is told (Kafka's KAFKA_STORAGE_ERROR). */
  private fail(err: Error): void {
    this.lastError = err;
    this.requested = this.point;
    const waiters = this.waiters;
    this.waiters = [];
    const failure = new StorageError(StorageErrorCode.FlushFailed, `flushing ${this.log.dir} failed: ${err.message}`, {
      cause: err,
    });
    for (const w of waiters) w.reject(failure);
  }

  /**
   * The log was cut to `logEnd`: the recovery point and any running flush stop there, and
   * waiters for records that are gone are told so.
   */
  truncated(logEnd: number): void {
    this.point = Math.min(this.point, logEnd);
    this.requested = Math.min(this.requested, logEnd);
    if (this.running) this.running.target = Math.min(this.running.target, logEnd);
    const pending: Waiter[] = [];
    for (const w of this.waiters)
      if (w.offset > logEnd)
        w.reject(new StorageError(StorageErrorCode.LogTruncated, `${this.log.dir} was truncated before the flush`));
      else pending.push(w);
    this.waiters = pending;
  }

  /** The log restarts empty at `offset` (nothing below it exists). */
  restartedAt(offset: number): void {
    this.truncated(offset);
    this.point = this.requested = offset;
    if (this.running) this.running.target = offset;
    this.advance(offset);
  }

  /**
   * Flushes synchronously (clean shutdown only: nothing is served any more) and stops; a flush
   * still running can no longer move anything.
   */
  flushSyncAndClose(): void {
    const end = this.log.endOffset();
    if (end > this.point || this.unflushedMessages > 0)
      for (const segment of this.log.segmentsBetween(this.point, end)) segment.flush();
    this.closed = true;
    this.requested = end;
    this.advance(end);
    this.unflushedMessages = 0;
  }

  /** Stops without flushing (the log is deleted): waiters are told their records are gone. */
  abandon(): void {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(closedError(this.log.dir));
  }
}

function closedError(dir: string): StorageError {
  return new StorageError(StorageErrorCode.LogClosed, `log ${dir} was closed before the flush`);
}
