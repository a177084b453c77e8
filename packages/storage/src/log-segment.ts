import fs from 'node:fs';
import { BatchHeader, readInt64AsNumber } from '@gregor/protocol';
import { defaultFilePool, type FilePool } from './file-pool.js';
import { INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentFile } from './file-names.js';
import { OffsetIndex } from './offset-index.js';
import {
  lastOffsetOf,
  readAt,
  scanFileBatches,
  writeAt,
  type BatchLocation,
  type FileBatch,
  type ScanEnd,
} from './record-batches.js';
import { TimeIndex } from './time-index.js';

/** What a segment needs from the log's config. */
export interface SegmentConfig {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

const INT32_MAX = 0x7fff_ffff;
/** Header-only scans read this much at a time: a few index intervals of small batches. */
const HEADER_SCAN_CHUNK = 16 * 1024;

/**
 * One segment of a partition log: `<base>.log` holding v2 batches back to back exactly as they
 * were appended, plus its `<base>.index` and `<base>.timeindex` (see OffsetIndex, TimeIndex).
 * The base offset is the first offset the segment may hold; every offset in it fits in
 * base + int32, and positions fit in int32 (segment.bytes is an int32 config).
 *
 * A segment only ever grows at its end while it is the log's active segment; after that it is
 * read-only until retention deletes it or the cleaner replaces it with a compacted copy.
 *
 * A segment holds no file descriptor of its own: its three files are opened on demand through
 * the data directory's FilePool, which keeps a bounded number open (least recently used first
 * to go).
 */
export class LogSegment {
  /** Bytes of valid batches in the .log file. */
  size: number;
  /**
   * Offset after the segment's last batch (baseOffset when empty). Exact for the active
   * segment; for older segments the log sets it to the next segment's base (an upper bound,
   * since compaction may have removed the last records).
   */
  nextOffset: number;
  maxTimestampSoFar = -1;
  /** Last offset of the first batch that carried `maxTimestampSoFar`. */
  offsetOfMaxTimestampSoFar: number;
  /** When the segment was created or loaded (clock ms): `segment.ms` age when no batch has a timestamp. */
  readonly createdMs: number;
  /**
   * The first batch's maxTimestamp, or -1: Kafka measures a segment's age for `segment.ms` as
   * incoming timestamp minus this, so replaying old data does not roll on every append.
   */
  firstBatchTimestamp = -1;
  private bytesSinceLastIndexEntry = 0;
  /** Set once the (lazily loaded) index entries were checked against the log. */
  private indexesVerified = false;
  /** Closed by its log: background fsyncs and reads still queued must not reopen its files. */
  private detached = false;

  private constructor(
    public logFile: string,
    readonly baseOffset: number,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    private readonly config: SegmentConfig,
    now: number,
    private files: FilePool,
  ) {
    this.size = fs.statSync(logFile).size;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestampSoFar = baseOffset;
    this.createdMs = now;
  }

  /**
   * Opens (or, with `create`, creates empty) the segment at `base` in `dir`. `suffix` is added
   * to all three file names (the cleaner writes `.cleaned` segments). Index files that are
   * missing or fail cheap checks are rebuilt from the log; a full check happens on first use.
   * Descriptors come from `files` (default: the process-wide pool).
   */
  static open(
    dir: string,
    baseOffset: number,
    config: SegmentConfig,
    now: number,
    options: { create?: boolean; suffix?: string; files?: FilePool } = {},
  ): LogSegment {
    const suffix = options.suffix ?? '';
    const files = options.files ?? defaultFilePool;
    const paths = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX].map((s) => segmentFile(dir, baseOffset, s + suffix));
    const [logFile, indexFile, timeIndexFile] = paths as [string, string, string];
    if (options.create) for (const file of paths) fs.writeFileSync(file, Buffer.alloc(0));
    else if (!fs.existsSync(logFile)) throw new Error(`segment file ${logFile} does not exist`);
    const indexesMissing = !fs.existsSync(indexFile) || !fs.existsSync(timeIndexFile);
    const offsetIndex = new OffsetIndex(indexFile, baseOffset, config.segmentIndexBytes, files);
    const timeIndex = new TimeIndex(timeIndexFile, baseOffset, config.segmentIndexBytes, files);
    const segment = new LogSegment(logFile, baseOffset, offsetIndex, timeIndex, config, now, files);
    if (indexesMissing || segment.cheapIndexProblem() !== undefined) segment.recover();
    else {
      const last = timeIndex.lastEntry();
      segment.maxTimestampSoFar = last.timestamp;
      segment.offsetOfMaxTimestampSoFar = last.offset;
    }
    return segment;
  }

  /** Checks that need no more than the last entries (full checks are done lazily). */
  private cheapIndexProblem(): string | undefined {
    if (this.offsetIndex.tornOnOpen || this.timeIndex.tornOnOpen) return 'torn index file';
    if (this.offsetIndex.entries > 0 && this.offsetIndex.lastEntry().position >= this.size)
      return 'offset index points past the log';
    if (this.size > 0 && this.timeIndex.entries === 0 && this.offsetIndex.entries > 0)
      return 'time index lost its entries';
    return undefined;
  }

  /** Fully checks both indexes once (loading them); rebuilds them from the log if wrong. */
  private verifiedIndexes(): void {
    if (this.indexesVerified) return;
    this.indexesVerified = true;
    if (this.offsetIndex.problem(this.size) !== undefined || this.timeIndex.problem() !== undefined) this.recover();
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** Newest timestamp in the segment, for time retention (file mtime if no batch has one). */
  largestTimestamp(): number {
    return this.maxTimestampSoFar >= 0 ? this.maxTimestampSoFar : fs.statSync(this.logFile).mtimeMs;
  }

  /** Whether appending `bytes` ending at `lastOffset` would break the int32 limits of this segment. */
  cannotHold(bytes: number, lastOffset: number): boolean {
    return (
      this.size + bytes > INT32_MAX ||
      lastOffset - this.baseOffset > INT32_MAX ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull
    );
  }

  /**
   * Appends `buf` (whole validated batches, offsets assigned, described by `batches` with
   * positions relative to `buf`) and maintains the sparse indexes as Kafka does: an index
   * entry for a batch once more than index.interval.bytes were written since the last one.
   */
  append(buf: Buffer, batches: readonly BatchLocation[]): void {
    const start = this.size;
    this.files.use(this.logFile, (fd) => writeAt(fd, buf, start));
    for (const batch of batches) this.indexBatch(batch.header, start + batch.position, batch.size);
    this.size += buf.length;
    if (start === 0 && batches[0]) this.firstBatchTimestamp = batches[0].header.maxTimestamp;
  }

  private indexBatch(header: BatchLocation['header'], position: number, size: number): void {
    const lastOffset = lastOffsetOf(header);
    if (header.maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = header.maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffset = lastOffset + 1;
  }

  /** Batch headers from `position` on (stops silently at invalid bytes). */
  batchesFrom(position: number, options: { withBytes?: boolean } = {}): Generator<FileBatch> {
    return scanFileBatches(this.reader, position, this.size, {
      withBytes: options.withBytes ?? false,
      chunkSize: options.withBytes ? 1024 * 1024 : HEADER_SCAN_CHUNK,
    });
  }

  /** The bytes of one batch located in this segment. */
  readBatch(location: BatchLocation): Buffer {
    return this.readAt(location.position, location.size);
  }

  private readAt(position: number, length: number): Buffer {
    return this.files.use(this.logFile, (fd) => readAt(fd, position, length));
  }

  /** Reads for scans: each read takes the descriptor afresh, so a scan may span awaits. */
  private readonly reader = (position: number, length: number): Buffer => this.readAt(position, length);

  /** The first batch whose last offset is ≥ `offset`, found via the offset index, or undefined. */
  locateOffset(offset: number): BatchLocation | undefined {
    this.verifiedIndexes();
    const start = this.offsetIndex.lookup(offset).position;
    for (const batch of this.batchesFrom(start)) if (lastOffsetOf(batch.header) >= offset) return batch;
    return undefined;
  }

  /** The first batch with maxTimestamp ≥ `timestamp` and last offset ≥ `minOffset`, via the time index. */
  locateTimestamp(timestamp: number, minOffset: number): BatchLocation | undefined {
    this.verifiedIndexes();
    const indexed = this.timeIndex.lookup(timestamp);
    const start = this.offsetIndex.lookup(Math.max(indexed.offset, minOffset)).position;
    for (const batch of this.batchesFrom(start))
      if (batch.header.maxTimestamp >= timestamp && lastOffsetOf(batch.header) >= minOffset) return batch;
    return undefined;
  }

  /**
   * Whole batches starting at `position`: as many as fit in `maxBytes` and end below
   * `maxOffset` (exclusive). When even the first does not fit, it is returned anyway if
   * `minOneBatch` (KIP-74: a consumer must always be able to make progress).
   */
  read(
    position: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
  ): { bytes: Buffer; lastOffset: number } {
    const available = this.size - position;
    if (available <= 0) return { bytes: Buffer.alloc(0), lastOffset: -1 };
    const chunk = this.readAt(position, firstReadLength(maxBytes, available));
    const cut = wholeBatches(chunk, maxBytes, maxOffset, minOneBatch, available);
    const bytes = cut.oversizedFirst ? this.readAt(position, cut.end) : chunk.subarray(0, cut.end);
    return { bytes, lastOffset: cut.lastOffset };
  }

  /**
   * read() with the file reads on the thread pool, for segments that may not be in the page
   * cache (a synchronous read from disk would stall the event loop). The caller must check that
   * the log did not change underneath (truncation, deletion) before trusting the bytes.
   */
  async readAsync(
    position: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
  ): Promise<{ bytes: Buffer; lastOffset: number }> {
    const available = this.size - position;
    if (available <= 0) return { bytes: Buffer.alloc(0), lastOffset: -1 };
    const chunk = await this.files.read(this.logFile, position, firstReadLength(maxBytes, available));
    const cut = wholeBatches(chunk, maxBytes, maxOffset, minOneBatch, available);
    if (cut.oversizedFirst && this.detached) throw new Error(`${this.logFile} was closed during a read`);
    const bytes = cut.oversizedFirst
      ? await this.files.read(this.logFile, position, cut.end)
      : chunk.subarray(0, cut.end);
    return { bytes, lastOffset: cut.lastOffset };
  }

  /**
   * Rebuilds both indexes by reading every batch, checking framing, CRC and offset order, and
   * truncates the log at the first batch that fails (a torn or corrupt tail): recovery after
   * an unclean shutdown, and repair of missing or inconsistent index files.
   */
  recover(): { truncatedBytes: number; problem?: string } {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.resetTail();
    const end: ScanEnd = { validEnd: 0 };
    let validEnd = 0;
    let problem: string | undefined;
    for (const batch of scanFileBatches(this.reader, 0, this.size, { checkCrc: true }, end)) {
      const lastOffset = lastOffsetOf(batch.header);
      if (batch.header.baseOffset < this.nextOffset || lastOffset - this.baseOffset > INT32_MAX) {
        problem = `batch at position ${batch.position} has offsets ${batch.header.baseOffset}..${lastOffset} out of order`;
        break;
      }
      this.indexBatch(batch.header, batch.position, batch.size);
      if (batch.position === 0) this.firstBatchTimestamp = batch.header.maxTimestamp;
      validEnd = batch.position + batch.size;
    }
    problem ??= end.problem;
    const truncatedBytes = this.size - validEnd;
    if (truncatedBytes > 0) this.truncateFile(validEnd);
    this.indexesVerified = true;
    return problem === undefined ? { truncatedBytes } : { truncatedBytes, problem };
  }

  private resetTail(): void {
    this.firstBatchTimestamp = -1;
    this.nextOffset = this.baseOffset;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
  }

  /**
   * Establishes the active segment's end after a clean open: scans the batches after the last
   * index entry (checking framing, not CRCs) for the next offset and max timestamp, and cuts
   * off bytes that do not frame as a batch, so appends never land after garbage.
   */
  loadTail(): { truncatedBytes: number; problem?: string } {
    this.verifiedIndexes();
    const fromIndex = this.offsetIndex.lastEntry();
    const fromTime = this.timeIndex.lastEntry();
    this.resetTail();
    this.maxTimestampSoFar = fromTime.timestamp;
    this.offsetOfMaxTimestampSoFar = fromTime.offset;
    const end: ScanEnd = { validEnd: fromIndex.position };
    // Count the indexed batch as "since the last entry" so the next entry comes an interval later.
    let sinceEntry = 0;
    for (const batch of scanFileBatches(
      this.reader,
      fromIndex.position,
      this.size,
      { chunkSize: HEADER_SCAN_CHUNK },
      end,
    )) {
      if (batch.position === 0) this.firstBatchTimestamp = batch.header.maxTimestamp;
      if (batch.header.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = batch.header.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = lastOffsetOf(batch.header);
      }
      this.nextOffset = lastOffsetOf(batch.header) + 1;
      sinceEntry += batch.size;
    }
    this.bytesSinceLastIndexEntry = sinceEntry;
    if (this.size > 0 && fromIndex.position !== 0) this.readFirstBatchTimestamp();
    const truncatedBytes = this.size - end.validEnd;
    if (truncatedBytes > 0) this.truncateFile(end.validEnd);
    return end.problem === undefined ? { truncatedBytes } : { truncatedBytes, problem: end.problem };
  }

  private readFirstBatchTimestamp(): void {
    for (const batch of this.batchesFrom(0)) {
      this.firstBatchTimestamp = batch.header.maxTimestamp;
      break;
    }
  }

  /**
   * Removes every batch whose last offset is ≥ `offset` (whole batches: a batch containing
   * `offset` goes entirely). Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const first = this.locateOffset(offset);
    const removed = first ? this.size - first.position : 0;
    if (first) {
      this.offsetIndex.truncateTo(offset);
      this.timeIndex.truncateTo(offset);
      this.truncateFile(first.position);
    }
    // Even with nothing removed, re-establish the exact end: an older segment only knew an
    // upper bound (the next segment's base) before becoming active again.
    this.loadTail();
    return removed;
  }

  private truncateFile(size: number): void {
    this.files.use(this.logFile, (fd) => fs.ftruncateSync(fd, size));
    this.size = size;
  }

  /** Called when a newer segment takes over appends: seals the time index, releases descriptors. */
  onBecomeInactive(): void {
    if (this.maxTimestampSoFar >= 0)
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.close();
    this.timeIndex.close();
    this.files.close(this.logFile);
  }

  /** fsyncs the log (recovered bytes may not have been written by this process) and its indexes. */
  flush(): void {
    this.files.use(this.logFile, (fd) => fs.fsyncSync(fd));
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** flush() with the fsyncs on the thread pool: the event loop keeps serving meanwhile. */
  async flushAsync(): Promise<void> {
    const wanted = (): boolean => !this.detached;
    await Promise.all([
      this.files.sync(() => (this.detached ? undefined : this.logFile)),
      this.offsetIndex.flushAsync(wanted),
      this.timeIndex.flushAsync(wanted),
    ]);
  }

  /** Moves the segment's descriptors to `files` (a segment the cleaner wrote joins its log's pool). */
  switchPool(files: FilePool): void {
    if (files === this.files) return;
    this.close();
    this.detached = false;
    this.files = files;
    this.offsetIndex.switchPool(files);
    this.timeIndex.switchPool(files);
  }

  /** Renames the three files from `<name><from>` to `<name><to>` (cleaner swap protocol). */
  changeSuffix(from: string, to: string): void {
    const rename = (file: string): string => file.slice(0, file.length - from.length) + to;
    if (!this.logFile.endsWith(from)) throw new Error(`${this.logFile} does not end with '${from}'`);
    this.files.close(this.logFile);
    fs.renameSync(this.logFile, rename(this.logFile));
    this.logFile = rename(this.logFile);
    this.offsetIndex.renameTo(rename(this.offsetIndex.file));
    this.timeIndex.renameTo(rename(this.timeIndex.file));
  }

  close(): void {
    this.detached = true;
    this.files.close(this.logFile);
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  /** Closes and removes the segment's files. */
  delete(): void {
    this.close();
    fs.rmSync(this.logFile, { force: true });
    this.offsetIndex.delete();
    this.timeIndex.delete();
  }
}

/** The first read of a fetch: maxBytes (at least a batch header), at most what the segment holds. */
function firstReadLength(maxBytes: number, available: number): number {
  return Math.min(Math.max(maxBytes, BatchHeader.Size), available);
}

/**
 * Where the whole batches at the start of `chunk` end: as many as fit in `maxBytes` and end below
 * `maxOffset`. `oversizedFirst` when the first batch alone exceeds maxBytes but minOneBatch
 * (KIP-74) asks for it anyway: `end` is then its size, to be read again in full.
 */
function wholeBatches(
  chunk: Buffer,
  maxBytes: number,
  maxOffset: number,
  minOneBatch: boolean,
  available: number,
): { end: number; lastOffset: number; oversizedFirst: boolean } {
  let end = 0;
  let lastOffset = -1;
  while (end + BatchHeader.Size <= chunk.length) {
    const size = chunk.readInt32BE(end + BatchHeader.BatchLength) + BatchHeader.LogOverhead;
    const last =
      readInt64AsNumber(chunk, end + BatchHeader.BaseOffset) + chunk.readInt32BE(end + BatchHeader.LastOffsetDelta);
    if (last >= maxOffset) break;
    if (end + size > maxBytes || end + size > chunk.length) {
      if (end === 0 && minOneBatch && size <= available) return { end: size, lastOffset: last, oversizedFirst: true };
      break;
    }
    end += size;
    lastOffset = last;
  }
  return { end, lastOffset, oversizedFirst: false };
}
