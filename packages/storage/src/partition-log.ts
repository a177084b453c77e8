import fs from 'node:fs';
import type { BatchCodec } from './batch-codec.js';
import { NEVER, type LogConfig } from './config.js';
import { assignOffsets, validateBatches } from './append-validation.js';
import { OffsetOutOfRangeError, StorageError, StorageErrorCode } from './errors.js';
import { defaultFilePool, type FilePool } from './file-pool.js';
import { LeaderEpochCache, type EpochEntry } from './leader-epoch-cache.js';
import { loadSegments, type LoadReport } from './log-loader.js';
import { LogSegment } from './log-segment.js';
import { lastOffsetOf } from './record-batches.js';
import { selectSegmentsToDelete } from './retention.js';
import {
  cleaningDemand,
  compactLog,
  type CleanableLog,
  type CleaningDemand,
  type CompactionStats,
} from './log-cleaner.js';
import { findOffsetByTimestamp, findMaxTimestamp, type TimestampAndOffset } from './timestamp-lookup.js';
import { LogFlusher, type FlushableLog } from './log-flusher.js';
import { PartitionOffsetsFile, readPartitionOffsets, type PartitionOffsets } from './partition-checkpoint.js';
import type {
  AppendOptions,
  AppendResult,
  Clock,
  OpenOptions,
  ReadOptions,
  ReadResult,
  RetentionResult,
} from './partition-log-types.js';
import { ListOffsetsTimestamp } from './partition-log-types.js';

export * from './partition-log-types.js';

/**
 * The log of one partition: an ordered list of segments (see LogSegment) in the directory
 * `<topic>-<partition>`, plus:
 *
 * - `leader-epoch-checkpoint` (LeaderEpochCache);
 * - `partition-offsets-checkpoint` (see partition-checkpoint.ts), three named entries:
 *   `log-start-offset N` (moved by DeleteRecords; written immediately), `recovery-point N`
 *   (everything below was fsynced) and `high-watermark N` (written by checkpoint(), which the
 *   broker runs periodically as Kafka does, and by flush()/close(); a stale value only costs
 *   recovery work or an HW that the broker raises again).
 *
 * Invariants: logStartOffset ≤ highWatermark ≤ logEndOffset; segments have increasing base
 * offsets and only the last (active) one is appended to; every byte of a segment is a whole
 * valid batch. Appends and reads of the page cache are synchronous, which makes each call
 * atomic with respect to the others; what may wait on the disk runs on libuv's thread pool so
 * the event loop never does: fsyncs (LogFlusher), periodic checkpoints, reads of older segments
 * (readAsync) and the cleaner's work (which only touches segments no longer appended to and
 * swaps them in one step).
 */
export class PartitionLog {
  private segments: LogSegment[];
  private logStart: number;
  private hw: number;
  private readonly flusher: LogFlusher;
  private readonly offsetsFile: PartitionOffsetsFile;
  private closed = false;
  private readonly epochs: LeaderEpochCache;
  /** Bumped whenever segments are removed or truncated, so the cleaner can tell its view is stale. */
  private generation = 0;
  /** Bumped when the cleaner swaps segments in, so an asynchronous read can tell its view is stale. */
  private swaps = 0;
  private cleaning = false;
  /** Where the last compaction stopped: offsets below it are already clean (Kafka's cleaner checkpoint). */
  private firstDirtyOffset = 0;

  private constructor(
    readonly dir: string,
    private cfg: LogConfig,
    readonly clock: Clock,
    readonly codec: BatchCodec | undefined,
    private readonly files: FilePool,
    report: LoadReport,
    checkpoint: Partial<PartitionOffsets>,
  ) {
    this.loadReport = report;
    this.segments = report.segments;
    this.epochs = new LeaderEpochCache(dir);
    const leo = this.logEndOffset;
    this.neededRecovery =
      report.recoveredSegments > 0 &&
      (report.truncatedBytes > 0 || report.problems.length > 0 || leo > report.recoveryPoint);
    this.logStart = Math.min(Math.max(checkpoint.logStartOffset ?? 0, this.activeFirst().baseOffset), leo);
    this.hw = Math.min(Math.max(checkpoint.highWatermark ?? 0, this.logStart), leo);
    this.flusher = new LogFlusher(this.flusherAccess(), Math.min(checkpoint.recoveryPoint ?? 0, leo), clock());
    this.offsetsFile = new PartitionOffsetsFile(dir, checkpoint);
    // An epoch starting exactly at the log end is consistent (its leader has not appended yet);
    // dropping it made every start rewrite (and fsync) the checkpoint of every empty partition.
    this.epochs.truncateFromEnd(leo + 1);
    this.epochs.truncateFromStart(this.logStart);
  }

  /** What opening found and repaired (for logs and tests). */
  readonly loadReport: LoadReport;

  /**
   * Whether opening had work to do after an unclean shutdown: records past the checkpointed
   * recovery point were re-checked, or something was cut off.
   */
  readonly neededRecovery: boolean;

  static open(dir: string, config: LogConfig, options: OpenOptions = {}): PartitionLog {
    const clock = options.clock ?? Date.now;
    const files = options.files ?? defaultFilePool;
    fs.mkdirSync(dir, { recursive: true });
    const checkpoint = readPartitionOffsets(dir);
    const report = loadSegments(dir, config, {
      cleanShutdown: options.cleanShutdown ?? false,
      recoveryPoint: checkpoint.recoveryPoint ?? 0,
      now: clock(),
      files,
    });
    if (report.segments.length === 0) {
      const base = checkpoint.logStartOffset ?? 0;
      report.segments.push(LogSegment.open(dir, base, config, clock(), { create: true, files }));
    }
    const log = new PartitionLog(dir, config, clock, options.codec, files, report, checkpoint);
    // Like Kafka, recovered bytes are not fsynced here: the recovery point stays where it was
    // and moves up at the next flush, so a crash before then recovers them again. Nothing is
    // written unless opening changed the offsets (one fsync per partition made big starts slow).
    // A missing file reads as zeros, so zeros need not be written either.
    log.writeOffsetsCheckpoint();
    return log;
  }

  get config(): LogConfig {
    return this.cfg;
  }

  /** Applies a new config (AlterConfigs); takes effect from the next append/retention run. */
  updateConfig(config: LogConfig): void {
    this.cfg = config;
  }

  get logStartOffset(): number {
    return this.logStart;
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Every offset below it is on disk (fsynced): recovery after a crash starts there. */
  get recoveryPoint(): number {
    return this.flusher.recoveryPoint;
  }

  /** Sets the high watermark (clamped to [logStartOffset, logEndOffset]); returns the new value. */
  updateHighWatermark(offset: number): number {
    this.hw = Math.min(Math.max(offset, this.logStart), this.logEndOffset);
    return this.hw;
  }

  get leaderEpoch(): number {
    return this.epochs.latestEpoch;
  }

  get leaderEpochEntries(): readonly EpochEntry[] {
    return this.epochs.all;
  }

  /** Total bytes of all segments (DescribeLogDirs). */
  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets and sizes of the segments, oldest first. */
  segmentInfo(): { baseOffset: number; size: number }[] {
    return this.segments.map((s) => ({ baseOffset: s.baseOffset, size: s.size }));
  }

  private get active(): LogSegment {
    return this.segments.at(-1) as LogSegment;
  }

  private activeFirst(): LogSegment {
    return this.segments[0] as LogSegment;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError(StorageErrorCode.LogClosed, `log ${this.dir} is closed`);
  }

  /**
   * Appends one or more v2 batches exactly as received. `records` is validated (see
   * validateBatches) and then patched in place — offsets, leader epoch, LogAppendTime — so
   * the caller must not reuse it. Either every batch is written or, on a thrown error, none.
   * The bytes are in the page cache on return; when the append reaches `flush.messages`, the
   * fsync runs on the thread pool and `result.flushed` says when it is done (a caller that
   * promises durability, the produce path, awaits it before answering).
   */
  append(records: Buffer, options: AppendOptions): AppendResult {
    this.ensureOpen();
    const now = this.clock();
    const batches = validateBatches(records, this.cfg, options.assignOffsets);
    let logAppendTime = -1;
    if (options.assignOffsets) {
      if (this.cfg.messageTimestampType === 'LogAppendTime') logAppendTime = options.logAppendTime ?? now;
      assignOffsets(
        records,
        batches,
        this.logEndOffset,
        options.leaderEpoch,
        logAppendTime >= 0 ? logAppendTime : undefined,
      );
    } else {
      let next = this.logEndOffset;
      for (const { header } of batches) {
        if (header.baseOffset < next)
          throw new StorageError(
            StorageErrorCode.UnexpectedAppendOffset,
            `replicated batch at offset ${header.baseOffset} does not follow offset ${next - 1}`,
          );
        next = lastOffsetOf(header) + 1;
      }
    }
    const first = (batches[0] as (typeof batches)[number]).header;
    const last = (batches.at(-1) as (typeof batches)[number]).header;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = first.baseOffset;
    let recordCount = 0;
    for (const { header } of batches) {
      recordCount += header.recordCount;
      if (header.maxTimestamp > maxTimestamp) {
        maxTimestamp = header.maxTimestamp;
        offsetOfMaxTimestamp = lastOffsetOf(header);
      }
    }
    const segment = this.maybeRoll(records.length, first.baseOffset, lastOffsetOf(last), maxTimestamp, now);
    segment.append(records, batches);
    for (const { header } of batches) this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
    this.flusher.unflushedMessages += recordCount;
    const flushed =
      this.flusher.unflushedMessages >= this.cfg.flushMessages
        ? this.flusher.flushTo(this.logEndOffset, now)
        : undefined;
    if (!flushed) void this.flushIfDue(now);
    return {
      baseOffset: first.baseOffset,
      lastOffset: lastOffsetOf(last),
      logAppendTime,
      maxTimestamp,
      offsetOfMaxTimestamp,
      logStartOffset: this.logStart,
      recordCount,
      batchCount: batches.length,
      bytes: records.length,
      ...(flushed ? { flushed } : {}),
    };
  }

  /** The segment to append to: the active one unless size, age or index limits call for a new one. */
  private maybeRoll(
    bytes: number,
    firstOffset: number,
    lastOffset: number,
    maxTimestamp: number,
    now: number,
  ): LogSegment {
    const active = this.active;
    if (active.isEmpty) return active;
    // Kafka measures age by record timestamps when it has them, so replays of old data do not roll each append.
    const age =
      active.firstBatchTimestamp >= 0 && maxTimestamp >= 0
        ? maxTimestamp - active.firstBatchTimestamp
        : now - active.createdMs;
    const roll =
      active.size + bytes > this.cfg.segmentBytes || age > this.maxSegmentMs() || active.cannotHold(bytes, lastOffset);
    return roll ? this.roll(firstOffset, now) : active;
  }

  /** segment.ms, or max.compaction.lag.ms when shorter on a compacted log (its records must become cleanable). */
  private maxSegmentMs(): number {
    const { cleanupPolicy, maxCompactionLagMs, segmentMs } = this.cfg;
    return cleanupPolicy.compact ? Math.min(segmentMs, maxCompactionLagMs) : segmentMs;
  }

  /**
   * Starts a new active segment at `baseOffset` (≥ the log end offset) and, as Kafka does,
   * flushes the segments before it in the background, so the recovery point follows the rolls
   * and a crash only has the active segment to recover.
   */
  roll(baseOffset = this.logEndOffset, now = this.clock()): LogSegment {
    const previous = this.active;
    if (previous.isEmpty) return previous;
    previous.onBecomeInactive();
    const segment = LogSegment.open(this.dir, Math.max(baseOffset, previous.nextOffset), this.cfg, now, {
      create: true,
      files: this.files,
    });
    this.segments.push(segment);
    void this.flusher.flushTo(previous.nextOffset, now);
    return segment;
  }

  /**
   * Whole batches from the one containing `fetchOffset`, up to `maxBytes` (the first batch
   * regardless when minOneBatch), never including a batch that ends at or beyond maxOffset.
   * Crosses into following segments while there is room.
   */
  read(fetchOffset: number, maxBytes: number, options: ReadOptions = {}): ReadResult {
    this.ensureOpen();
    const leo = this.logEndOffset;
    if (fetchOffset < this.logStart || fetchOffset > leo)
      throw new OffsetOutOfRangeError(
        `offset ${fetchOffset} is outside the log's range [${this.logStart}, ${leo}]`,
        fetchOffset,
        this.logStart,
        leo,
      );
    const maxOffset = Math.min(options.maxOffset ?? leo, leo);
    const parts: Buffer[] = [];
    let remaining = maxBytes;
    let nextOffset = fetchOffset;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length && nextOffset < maxOffset; i++) {
      const segment = this.segments[i] as LogSegment;
      const located = segment.locateOffset(nextOffset);
      if (!located) continue;
      const minOne = (options.minOneBatch ?? true) && parts.length === 0;
      const { bytes, lastOffset } = segment.read(located.position, remaining, maxOffset, minOne);
      if (bytes.length === 0) break;
      parts.push(bytes);
      remaining -= bytes.length;
      nextOffset = lastOffset + 1;
      if (located.position + bytes.length < segment.size || remaining <= 0) break;
    }
    return {
      records: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts),
      nextOffset,
      logStartOffset: this.logStart,
      logEndOffset: leo,
      highWatermark: this.hw,
    };
  }

  /**
   * read() for fetches that may reach older segments, which need not be in the page cache: their
   * bytes are read on libuv's thread pool, so a cold read (a consumer catching up, a follower
   * rebuilding) does not stall the event loop. A read starting in the active segment (recently
   * written, hot) is read() itself, with no await. If the log changes underneath (retention,
   * truncation, a compaction swap), the read is redone synchronously against the current log.
   */
  async readAsync(fetchOffset: number, maxBytes: number, options: ReadOptions = {}): Promise<ReadResult> {
    this.ensureOpen();
    const leo = this.logEndOffset;
    const start = this.segmentIndexFor(fetchOffset);
    if (fetchOffset < this.logStart || fetchOffset > leo || start === this.segments.length - 1)
      return this.read(fetchOffset, maxBytes, options);
    const [generation, swaps] = [this.generation, this.swaps];
    const stale = (): boolean => this.generation !== generation || this.swaps !== swaps;
    const maxOffset = Math.min(options.maxOffset ?? leo, leo);
    const parts: Buffer[] = [];
    let remaining = maxBytes;
    let nextOffset = fetchOffset;
    try {
      for (let i = start; i < this.segments.length && nextOffset < maxOffset; i++) {
        const segment = this.segments[i] as LogSegment;
        const located = segment.locateOffset(nextOffset);
        if (!located) continue;
        const minOne = (options.minOneBatch ?? true) && parts.length === 0;
        const { bytes, lastOffset } =
          segment === this.active
            ? segment.read(located.position, remaining, maxOffset, minOne)
            : await segment.readAsync(located.position, remaining, maxOffset, minOne);
        if (this.closed || stale()) break;
        if (bytes.length === 0) break;
        parts.push(bytes);
        remaining -= bytes.length;
        nextOffset = lastOffset + 1;
        if (located.position + bytes.length < segment.size || remaining <= 0) break;
      }
    } catch (err) {
      if (!this.closed && !stale()) throw err;
    }
    this.ensureOpen();
    if (stale()) return this.read(fetchOffset, maxBytes, options);
    return {
      records: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts),
      nextOffset,
      logStartOffset: this.logStart,
      logEndOffset: this.logEndOffset,
      highWatermark: this.hw,
    };
  }

  /** Index of the last segment whose base offset is ≤ offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid] as LogSegment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * ListOffsets for one timestamp: the special values -1 (latest), -2 (earliest), -3 (max
   * timestamp), -4 (earliest local), else the first offset whose timestamp is ≥ `timestamp`.
   * Undefined when no record is that recent (Kafka answers offset -1).
   */
  listOffset(timestamp: number): TimestampAndOffset | undefined {
    this.ensureOpen();
    if (timestamp === ListOffsetsTimestamp.Latest) return { offset: this.logEndOffset, timestamp: -1 };
    if (timestamp === ListOffsetsTimestamp.Earliest || timestamp === ListOffsetsTimestamp.EarliestLocal)
      return { offset: this.logStart, timestamp: -1 };
    if (timestamp === ListOffsetsTimestamp.MaxTimestamp)
      return findMaxTimestamp(this.segments, this.logStart, this.codec);
    return this.offsetForTimestamp(timestamp);
  }

  /** The first offset (≥ logStartOffset) whose timestamp is ≥ `timestamp`, via the time indexes. */
  offsetForTimestamp(timestamp: number): TimestampAndOffset | undefined {
    this.ensureOpen();
    return findOffsetByTimestamp(this.segments, timestamp, this.logStart, this.codec);
  }

  /** Records that `epoch` starts at `startOffset` (a new leader before its first append). */
  assignEpoch(epoch: number, startOffset: number): void {
    this.epochs.assign(epoch, startOffset);
  }

  /** OffsetForLeaderEpoch: the end offset of `epoch` (or of the largest known epoch below it). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    const answer = this.epochs.endOffsetFor(epoch, this.logEndOffset);
    return { epoch: answer.epoch, endOffset: answer.endOffset };
  }

  /**
   * Removes everything at and after `offset` (follower divergence). A batch containing
   * `offset` goes entirely, so the new log end may be below `offset`. Returns whether anything
   * was removed. Truncating below the log start empties the log and restarts it at `offset`.
   */
  truncateTo(offset: number): boolean {
    this.ensureOpen();
    if (offset >= this.logEndOffset) return false;
    if (offset < this.logStart) {
      this.truncateFullyAndStartAt(offset);
      return true;
    }
    this.generation++;
    while (this.segments.length > 1 && this.active.baseOffset > offset) (this.segments.pop() as LogSegment).delete();
    this.active.truncateTo(offset);
    this.active.timeIndex.flush();
    const leo = this.logEndOffset;
    this.epochs.truncateFromEnd(leo);
    this.hw = Math.min(this.hw, leo);
    this.flusher.truncated(leo);
    this.writeOffsetsCheckpoint();
    return true;
  }

  /** Deletes every segment and restarts the (empty) log at `offset` (follower far behind). */
  truncateFullyAndStartAt(offset: number): void {
    this.ensureOpen();
    this.generation++;
    for (const segment of this.segments.splice(0)) segment.delete();
    this.segments.push(LogSegment.open(this.dir, offset, this.cfg, this.clock(), { create: true, files: this.files }));
    this.logStart = this.hw = offset;
    this.flusher.restartedAt(offset);
    this.epochs.clear();
    this.writeOffsetsCheckpoint();
  }

  /**
   * DeleteRecords: makes `offset` the new log start (records below it become unreadable at
   * once; whole segments below it are deleted now). Persisted before returning. Moving past
   * the high watermark is refused with OFFSET_OUT_OF_RANGE, as Kafka does.
   */
  deleteRecordsBefore(offset: number): number {
    this.ensureOpen();
    if (offset > this.hw)
      throw new OffsetOutOfRangeError(
        `cannot move the log start to ${offset}, beyond the high watermark ${this.hw}`,
        offset,
        this.logStart,
        this.logEndOffset,
      );
    if (offset <= this.logStart) return this.logStart;
    this.logStart = offset;
    this.epochs.truncateFromStart(offset);
    this.writeOffsetsCheckpoint();
    this.deleteSegments(
      selectSegmentsToDelete(
        this.segments,
        { ...this.cfg, cleanupPolicy: { delete: false, compact: false } },
        this.retentionState(this.clock()),
      ),
    );
    return this.logStart;
  }

  private retentionState(now: number): { now: number; logStartOffset: number; highWatermark: number } {
    return { now, logStartOffset: this.logStart, highWatermark: this.hw };
  }

  /** Deletes old segments per retention.ms / retention.bytes / log start (see selectSegmentsToDelete). */
  applyRetention(now = this.clock()): RetentionResult {
    this.ensureOpen();
    const deletions = selectSegmentsToDelete(this.segments, this.cfg, this.retentionState(now));
    const deletedBytes = deletions.reduce((sum, d) => sum + d.segment.size, 0);
    this.deleteSegments(deletions);
    return {
      deletedSegments: deletions.length,
      deletedBytes,
      reasons: deletions.map((d) => d.reason),
      logStartOffset: this.logStart,
    };
  }

  private deleteSegments(deletions: readonly { segment: LogSegment }[]): void {
    if (deletions.length === 0) return;
    this.generation++;
    this.segments.splice(0, deletions.length);
    for (const { segment } of deletions) segment.delete();
    const newStart = this.activeFirst().baseOffset;
    // Written by the next checkpoint: a stale log start is raised to the first segment on open.
    if (newStart > this.logStart) {
      this.logStart = newStart;
      this.epochs.truncateFromStart(newStart);
    }
  }

  /**
   * Compacts the non-active segments (cleanup.policy=compact), keeping the latest record per
   * key with its original offset. Asynchronous and chunked: appends and reads proceed while it
   * runs. See compactLog.
   */
  async compact(now = this.clock()): Promise<CompactionStats> {
    this.ensureOpen();
    if (this.cleaning) throw new Error(`log ${this.dir} is already being compacted`);
    this.cleaning = true;
    try {
      const stats = await compactLog(this.cleanerAccess(), now);
      if (!stats.aborted) this.firstDirtyOffset = Math.max(this.firstDirtyOffset, stats.cleanedUpTo);
      return stats;
    } finally {
      this.cleaning = false;
    }
  }

  /**
   * How much this log needs compacting (dirty ratio, max.compaction.lag.ms overdue). The first
   * dirty offset is kept in memory only: after a restart the whole log counts as dirty once.
   */
  cleaningDemand(now = this.clock()): CleaningDemand {
    this.ensureOpen();
    const firstDirty = Math.min(Math.max(this.firstDirtyOffset, this.logStart), this.logEndOffset);
    return cleaningDemand(this.cleanerAccess(), firstDirty, now);
  }

  /** The narrow view of the log the cleaner works through. */
  private cleanerAccess(): CleanableLog {
    return {
      dir: this.dir,
      config: () => this.cfg,
      codec: this.codec,
      segments: () => this.segments,
      generation: () => this.generation,
      highWatermark: () => this.hw,
      isClosed: () => this.closed,
      replaceSegments: (old, replacement) => {
        const start = this.segments.indexOf(old[0] as LogSegment);
        if (start < 0 || old.some((s, i) => this.segments[start + i] !== s))
          throw new Error('segments changed under the cleaner');
        replacement.switchPool(this.files);
        this.segments.splice(start, old.length, replacement);
        this.swaps++;
      },
    };
  }

  /** The narrow view of the log its flusher works through. */
  private flusherAccess(): FlushableLog {
    return {
      dir: this.dir,
      endOffset: () => this.logEndOffset,
      segmentsBetween: (from, to) =>
        this.segments.slice(this.segmentIndexFor(from), this.segmentIndexFor(Math.max(from, to - 1)) + 1),
    };
  }

  /**
   * Starts a flush when flush.ms has passed since the last one with records appended since (the
   * broker's flush scheduler calls this); the promise says when it is on disk.
   */
  flushIfDue(now = this.clock()): Promise<void> | undefined {
    const f = this.flusher;
    if (this.cfg.flushMs < NEVER && f.unflushedMessages > 0 && now - f.lastFlushMs >= this.cfg.flushMs)
      return f.flushTo(this.logEndOffset, now);
    return undefined;
  }

  /** Why the last flush failed (cleared by a successful one). */
  get flushError(): Error | undefined {
    return this.flusher.lastError;
  }

  /**
   * fsyncs everything appended so far (on the thread pool) and then checkpoints the recovery
   * point, log start and high watermark. Resolves when both are on disk.
   */
  async flush(): Promise<void> {
    this.ensureOpen();
    await this.flusher.flushTo(this.logEndOffset, this.clock());
    await this.checkpoint();
  }

  /**
   * Writes the offsets checkpoint in the background if it changed (in `field` only, when
   * given): the broker's periodic high-watermark and recovery-point checkpoints.
   */
  checkpoint(field?: keyof PartitionOffsets): Promise<void> {
    if (this.closed) return Promise.resolve();
    const write = this.offsetsFile.writeAsync(
      () => this.currentOffsets(),
      () => this.closed,
      field,
    );
    // A log closed or deleted meanwhile wrote its own checkpoint or has no directory left.
    return write.catch((err: unknown) => {
      if (!this.closed) throw err;
    });
  }

  /** Flushes (synchronously: shutdown), checkpoints and releases files. The log object is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.flusher.flushSyncAndClose();
    this.writeOffsetsCheckpoint();
    for (const segment of this.segments) segment.close();
    this.closed = true;
  }

  /**
   * Releases files without flushing (the log is about to be deleted): flushes still running
   * finish harmlessly, and whoever awaits one is told the log is gone.
   */
  closeForDeletion(): void {
    if (this.closed) return;
    this.flusher.abandon();
    for (const segment of this.segments) segment.close();
    this.closed = true;
  }

  /** Closes and removes the whole partition directory (the topic or replica is gone). */
  delete(): void {
    this.closeForDeletion();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private currentOffsets(): PartitionOffsets {
    return { logStartOffset: this.logStart, recoveryPoint: this.flusher.recoveryPoint, highWatermark: this.hw };
  }

  /** Writes the offsets checkpoint now if it changed (changes that must be on disk before going on). */
  private writeOffsetsCheckpoint(): void {
    this.offsetsFile.writeSync(this.currentOffsets());
  }
}
