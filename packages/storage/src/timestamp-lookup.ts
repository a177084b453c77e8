import { BatchAttributes } from '@gregor/protocol';
import type { BatchCodec } from './batch-codec.js';
import type { LogSegment } from './log-segment.js';
import type { BatchLocation } from './record-batches.js';

export interface TimestampAndOffset {
  offset: number;
  timestamp: number;
}

/**
 * ListOffsets by timestamp: the first batch (at or after logStartOffset) whose maxTimestamp is
 * ≥ `timestamp`, found by skipping segments whose largest timestamp is smaller and then using
 * that segment's time index. Without a codec the answer is batch-level (the batch's first
 * offset and its maxTimestamp); with one, the batch is decoded to return the exact record, as
 * Kafka does.
 */
export function findOffsetByTimestamp(
  segments: readonly LogSegment[],
  timestamp: number,
  logStartOffset: number,
  codec: BatchCodec | undefined,
): TimestampAndOffset | undefined {
  for (const segment of segments) {
    if (segment.maxTimestampSoFar < timestamp) continue;
    const batch = segment.locateTimestamp(timestamp, logStartOffset);
    if (!batch) continue;
    return exactRecord(segment, batch, codec, logStartOffset, (t) => t >= timestamp);
  }
  return undefined;
}

/** ListOffsets MAX_TIMESTAMP (KIP-734): the record with the largest timestamp (first if tied). */
export function findMaxTimestamp(
  segments: readonly LogSegment[],
  logStartOffset: number,
  codec: BatchCodec | undefined,
): TimestampAndOffset | undefined {
  let best: LogSegment | undefined;
  for (const segment of segments)
    if (segment.maxTimestampSoFar >= 0 && (!best || segment.maxTimestampSoFar > best.maxTimestampSoFar)) best = segment;
  if (!best) return undefined;
  const target = best.maxTimestampSoFar;
  const batch = best.locateOffset(Math.max(best.offsetOfMaxTimestampSoFar, logStartOffset));
  if (!batch) return undefined;
  const found = exactRecord(best, batch, codec, logStartOffset, (t) => t >= target);
  return codec ? found : { offset: best.offsetOfMaxTimestampSoFar, timestamp: target };
}

function exactRecord(
  segment: LogSegment,
  batch: BatchLocation,
  codec: BatchCodec | undefined,
  logStartOffset: number,
  matches: (timestamp: number) => boolean,
): TimestampAndOffset {
  const batchLevel = {
    offset: Math.max(batch.header.baseOffset, logStartOffset),
    timestamp: batch.header.maxTimestamp,
  };
  if (!codec) return batchLevel;
  // LogAppendTime batches give every record the batch's maxTimestamp.
  const logAppendTime = (batch.header.attributes & BatchAttributes.TimestampTypeLogAppend) !== 0;
  for (const record of codec.decode(segment.readBatch(batch)).records) {
    const ts = logAppendTime ? batch.header.maxTimestamp : record.timestamp;
    if (record.offset >= logStartOffset && matches(ts)) return { offset: record.offset, timestamp: ts };
  }
  return batchLevel;
}
