import { BatchAttributes, readBatchHeader } from '@gregor/protocol';
import type { BatchCodec, CodecRecord, DecodedBatch } from './batch-codec.js';
import { fsyncDirectory } from './checkpoint-file.js';
import type { LogConfig } from './config.js';
import { StorageError, StorageErrorCode } from './errors.js';
import { CLEANED_SUFFIX, SWAP_SUFFIX } from './file-names.js';
import { LogSegment } from './log-segment.js';
import type { FileBatch } from './record-batches.js';

/** What the cleaner needs from a PartitionLog; kept narrow so the log's invariants stay its own. */
export interface CleanableLog {
  dir: string;
  config(): LogConfig;
  codec: BatchCodec | undefined;
  segments(): readonly LogSegment[];
  /** Changes whenever segments are deleted or truncated: the cleaner's view is then stale. */
  generation(): number;
  highWatermark(): number;
  isClosed(): boolean;
  /** Puts `replacement` where the contiguous `old` segments were. */
  replaceSegments(old: readonly LogSegment[], replacement: LogSegment): void;
}

export interface CompactionStats {
  segmentsCleaned: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRead: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** Offsets below this were eligible (the first uncleanable offset). */
  cleanedUpTo: number;
  /** True when the log changed underneath (retention, truncation, close) and a group was abandoned. */
  aborted: boolean;
}

/** Batches processed between yields to the event loop, so appends and fetches keep flowing. */
const BATCHES_PER_SLICE = 256;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Kafka-style log compaction of the segments that are no longer written to:
 *
 * 1. The cleanable range is the non-active segments wholly below the high watermark and, with
 *    min.compaction.lag.ms, whose newest record is at least that old.
 * 2. A key → latest-offset map is built over that range (keys compared as raw bytes).
 * 3. The range is rewritten in groups of consecutive segments that fit one segment. A record
 *    survives if it is the latest for its key; null-key records are dropped. A tombstone (null
 *    value) survives its first cleaning and its batch gets a delete horizon (KIP-534:
 *    DeleteHorizonSet attribute, baseTimestamp = now + delete.retention.ms); once a cleaning
 *    runs after the horizon, the tombstone is dropped. Batches left intact are copied byte for
 *    byte; others are re-encoded with the same base offset and lastOffsetDelta, so every
 *    surviving record keeps its offset. Empty batches are dropped except the group's last,
 *    which keeps the group's end offset (and thus a crash-recovery swap's extent) in the file.
 *    Control batches are copied unchanged.
 * 4. Each group is written as `<base>.{log,index,timeindex}.cleaned`, fsynced, renamed to
 *    `.swap`, the old segments deleted, then renamed to the final names; LogLoader finishes
 *    this sequence after a crash at any point (`.cleaned` = discard, `.log.swap` = complete).
 *
 * The work is sliced: the cleaner yields to the event loop every few hundred batches and,
 * after each yield, abandons the group if the log was truncated, had segments deleted or was
 * closed. The swap itself is synchronous, so readers never see a half-replaced range.
 */
export async function compactLog(log: CleanableLog, now: number): Promise<CompactionStats> {
  const config = log.config();
  const stats: CompactionStats = {
    segmentsCleaned: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    recordsRead: 0,
    recordsRemoved: 0,
    tombstonesRemoved: 0,
    cleanedUpTo: log.segments()[0]?.baseOffset ?? 0,
    aborted: false,
  };
  if (!config.cleanupPolicy.compact) return stats;
  const codec = log.codec;
  if (!codec) throw new StorageError(StorageErrorCode.CodecMissing, 'compaction needs a record codec');

  const cleanable = cleanableSegments(log, config, now);
  if (cleanable.length === 0) return stats;
  stats.cleanedUpTo = nextBaseAfter(log, cleanable.at(-1) as LogSegment);

  const generation = log.generation();
  const stale = (): boolean => log.generation() !== generation || log.isClosed();
  const latest = await buildOffsetMap(cleanable, codec, stale);
  if (!latest) return { ...stats, aborted: true };

  for (const group of groupSegments(cleanable, config)) {
    if (stale()) return { ...stats, aborted: true };
    const cleaned = await cleanGroup(log, group, { codec, latest, now, config, stats, stale });
    if (!cleaned) return { ...stats, aborted: true };
  }
  return stats;
}

/** How much a log needs cleaning, as Kafka's LogCleanerManager measures it. */
export interface CleaningDemand {
  /** Bytes of the cleanable range already compacted (below the first dirty offset). */
  cleanBytes: number;
  /** Bytes of the cleanable range not compacted yet. */
  cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes); 0 for an empty range. */
  dirtyRatio: number;
  /**
   * How far past max.compaction.lag.ms the oldest dirty record of a non-active segment is
   * (0 = not overdue): an overdue log is cleaned whatever its dirty ratio.
   */
  maxCompactionDelayMs: number;
}

/**
 * The cleaner's view of one log: the range it may clean (non-active segments below the high
 * watermark, minus those inside min.compaction.lag.ms) split at `firstDirtyOffset` (where the last
 * cleaning stopped) into clean and dirty bytes, and whether max.compaction.lag.ms is overdue.
 * Segments are counted whole, as a cleaning leaves the boundary on a segment start.
 */
export function cleaningDemand(log: CleanableLog, firstDirtyOffset: number, now: number): CleaningDemand {
  const config = log.config();
  let cleanBytes = 0;
  let cleanableBytes = 0;
  for (const segment of cleanableSegments(log, config, now)) {
    if (nextBaseAfter(log, segment) <= firstDirtyOffset) cleanBytes += segment.size;
    else cleanableBytes += segment.size;
  }
  const total = cleanBytes + cleanableBytes;
  let earliestDirty = Infinity;
  const segments = log.segments();
  for (let i = 0; i + 1 < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    if (nextBaseAfter(log, segment) <= firstDirtyOffset) continue;
    if (segment.firstBatchTimestamp > 0) earliestDirty = Math.min(earliestDirty, segment.firstBatchTimestamp);
  }
  const cleanUntil = now - Math.max(config.maxCompactionLagMs, 0);
  return {
    cleanBytes,
    cleanableBytes,
    dirtyRatio: total === 0 ? 0 : cleanableBytes / total,
    maxCompactionDelayMs: earliestDirty < cleanUntil ? cleanUntil - earliestDirty : 0,
  };
}

function cleanableSegments(log: CleanableLog, config: LogConfig, now: number): LogSegment[] {
  const segments = log.segments();
  const result: LogSegment[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    if ((segments[i + 1] as LogSegment).baseOffset > log.highWatermark()) break;
    if (config.minCompactionLagMs > 0 && now - segment.largestTimestamp() < config.minCompactionLagMs) break;
    result.push(segment);
  }
  return result;
}

function nextBaseAfter(log: CleanableLog, segment: LogSegment): number {
  const segments = log.segments();
  return segments[segments.indexOf(segment) + 1]?.baseOffset ?? segment.nextOffset;
}

const keyOf = (key: Buffer): string => key.toString('latin1');

async function buildOffsetMap(
  segments: readonly LogSegment[],
  codec: BatchCodec,
  stale: () => boolean,
): Promise<Map<string, number> | undefined> {
  const latest = new Map<string, number>();
  let sinceYield = 0;
  for (const segment of segments) {
    for (const batch of segment.batchesFrom(0, { withBytes: true })) {
      if (isControl(batch)) continue;
      for (const record of codec.decode(batch.bytes as Buffer).records)
        if (record.key !== null) latest.set(keyOf(record.key), record.offset);
      if (++sinceYield >= BATCHES_PER_SLICE) {
        sinceYield = 0;
        await yieldToEventLoop();
        if (stale()) return undefined;
      }
    }
  }
  return latest;
}

/** Consecutive segments whose combined size fits one segment and offsets fit int32 deltas. */
function groupSegments(segments: readonly LogSegment[], config: LogConfig): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let current: LogSegment[] = [];
  let size = 0;
  for (const segment of segments) {
    const first = current[0];
    const fits =
      first !== undefined &&
      size + segment.size <= config.segmentBytes &&
      segment.nextOffset - first.baseOffset <= 0x7fff_ffff;
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(segment);
    size += segment.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function isControl(batch: FileBatch): boolean {
  return (batch.header.attributes & BatchAttributes.Control) !== 0;
}

interface CleanContext {
  codec: BatchCodec;
  latest: Map<string, number>;
  now: number;
  config: LogConfig;
  stats: CompactionStats;
  stale: () => boolean;
}

async function cleanGroup(log: CleanableLog, group: readonly LogSegment[], ctx: CleanContext): Promise<boolean> {
  const base = (group[0] as LogSegment).baseOffset;
  const cleaned = LogSegment.open(log.dir, base, ctx.config, ctx.now, { create: true, suffix: CLEANED_SUFFIX });
  const write = (bytes: Buffer): void =>
    cleaned.append(bytes, [{ position: 0, size: bytes.length, header: readBatchHeader(bytes) }]);
  let droppedLast: DecodedBatch | undefined;
  let sinceYield = 0;
  for (const segment of group) {
    for (const batch of segment.batchesFrom(0, { withBytes: true })) {
      const bytes = batch.bytes as Buffer;
      const output = isControl(batch) ? bytes : filterBatch(bytes, ctx);
      if (Buffer.isBuffer(output)) {
        write(output);
        droppedLast = undefined;
      } else droppedLast = output.empty;
      if (++sinceYield >= BATCHES_PER_SLICE) {
        sinceYield = 0;
        await yieldToEventLoop();
        if (ctx.stale()) {
          cleaned.delete();
          return false;
        }
      }
    }
  }
  // Keep the group's last batch (emptied) so the cleaned file still ends at the same offset.
  if (droppedLast) write(ctx.codec.encode({ ...droppedLast, records: [] }));
  cleaned.onBecomeInactive();
  await cleaned.flushAsync();
  if (ctx.stale()) {
    cleaned.delete();
    return false;
  }
  // From here on synchronous: no read or append can observe an intermediate state.
  cleaned.changeSuffix(CLEANED_SUFFIX, SWAP_SUFFIX);
  fsyncDirectory(log.dir);
  const bytesBefore = group.reduce((sum, s) => sum + s.size, 0);
  const upper = nextBaseAfter(log, group.at(-1) as LogSegment);
  for (const old of group) old.delete();
  cleaned.changeSuffix(SWAP_SUFFIX, '');
  fsyncDirectory(log.dir);
  cleaned.nextOffset = upper;
  log.replaceSegments(group, cleaned);
  ctx.stats.segmentsCleaned += group.length;
  ctx.stats.bytesBefore += bytesBefore;
  ctx.stats.bytesAfter += cleaned.size;
  return true;
}

/**
 * The batch with only its surviving records: the original bytes if nothing changes, a
 * re-encoded batch otherwise, or `{ empty }` (the decoded header) when nothing survives.
 */
function filterBatch(bytes: Buffer, ctx: CleanContext): Buffer | { empty: DecodedBatch } {
  const decoded = ctx.codec.decode(bytes);
  const horizonSet = (decoded.attributes & BatchAttributes.DeleteHorizonSet) !== 0;
  const kept: CodecRecord[] = [];
  let keptTombstone = false;
  for (const record of decoded.records) {
    ctx.stats.recordsRead++;
    const latest = record.key !== null && ctx.latest.get(keyOf(record.key)) === record.offset;
    if (!latest) {
      ctx.stats.recordsRemoved++;
      continue;
    }
    if (record.value === null) {
      if (horizonSet && ctx.now >= decoded.baseTimestamp) {
        ctx.stats.recordsRemoved++;
        ctx.stats.tombstonesRemoved++;
        continue;
      }
      keptTombstone = true;
    }
    kept.push(record);
  }
  const needsHorizon = keptTombstone && !horizonSet;
  if (kept.length === decoded.records.length && !needsHorizon) return bytes;
  if (kept.length === 0) return { empty: decoded };
  const batch: DecodedBatch = { ...decoded, records: kept };
  if (needsHorizon) {
    batch.attributes |= BatchAttributes.DeleteHorizonSet;
    batch.baseTimestamp = ctx.now + ctx.config.deleteRetentionMs;
  }
  // The codec's record offsets are absolute and base offset/lastOffsetDelta are kept: no offset moves.
  return ctx.codec.encode(batch);
}
