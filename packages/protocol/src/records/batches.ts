import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import {
  BatchAttributes,
  BatchHeader,
  readInt64AsNumber,
  updateBatchCrc,
  writeInt64FromNumber,
} from './batch-header.js';
import { decodeV2 } from './batch-decoder.js';
import { decodeLegacyEntry, LegacyHeader } from './legacy.js';
import type { RecordBatch } from './types.js';

/**
 * Buffers holding many batches: a Fetch response's records field, a produce request's, a log
 * segment. Magic 0, 1 and 2 entries share their first 17 bytes' layout (offset, size, then the
 * magic at byte 16), so one walk finds every boundary whatever the mix.
 */

/** Where one batch (or legacy entry) sits, read from its header alone. */
export interface BatchBoundary {
  /** Byte position of the batch in the buffer. */
  position: number;
  /** Bytes it occupies, log overhead included. */
  size: number;
  magic: number;
  /**
   * First offset. For a compressed legacy wrapper only its inner messages know it, so this is
   * the wrapper's offset, which is its last offset; decode the batch when that matters.
   */
  baseOffset: number;
  lastOffset: number;
}

const corrupt = (why: string): ProtocolError => new ProtocolError(ProtocolErrorCode.CorruptMessage, why);

/**
 * The batch starting at `at`, or null when the buffer ends inside it: brokers cut the last batch
 * of a fetch at the size limit, and readers drop that partial tail.
 */
export function batchBoundaryAt(buf: Buffer, at: number): BatchBoundary | null {
  const left = buf.length - at;
  if (left < BatchHeader.LogOverhead) return null;
  const length = buf.readInt32BE(at + BatchHeader.BatchLength);
  if (length < LegacyHeader.MinSizeV0) throw corrupt(`batch length ${length} at byte ${at} is below any valid batch`);
  const size = length + BatchHeader.LogOverhead;
  if (size > left) return null;
  const magic = buf.readInt8(at + BatchHeader.Magic);
  const offset = readInt64AsNumber(buf, at + BatchHeader.BaseOffset);
  if (magic === 2) {
    if (size < BatchHeader.Size) throw corrupt(`record batch of ${size} bytes is smaller than its header`);
    const lastOffsetDelta = buf.readInt32BE(at + BatchHeader.LastOffsetDelta);
    return { position: at, size, magic, baseOffset: offset, lastOffset: offset + lastOffsetDelta };
  }
  if (magic === 0 || magic === 1) return { position: at, size, magic, baseOffset: offset, lastOffset: offset };
  throw corrupt(`unknown record batch magic ${magic} at byte ${at}`);
}

/**
 * Walks batch boundaries without decoding records. A trailing partial batch ends the walk
 * silently, unless `allowPartial` is false (produced data must be whole): then it is Truncated.
 */
export function* batchBoundaries(buf: Buffer, allowPartial = true): Generator<BatchBoundary> {
  let at = 0;
  while (at < buf.length) {
    const b = batchBoundaryAt(buf, at);
    if (b === null) {
      if (allowPartial) return;
      throw new ProtocolError(ProtocolErrorCode.Truncated, `partial batch in the last ${buf.length - at} bytes`);
    }
    yield b;
    at += b.size;
  }
}

/** Decodes one complete batch of any magic located by `b`. */
export function decodeBatchAt(buf: Buffer, b: BatchBoundary): RecordBatch {
  return b.magic === 2 ? decodeV2(buf.subarray(b.position, b.position + b.size)) : decodeLegacyEntry(buf, b.position);
}

/** Decodes batches lazily, in order, stopping silently at a trailing partial batch. */
export function* iterateRecordBatches(buf: Buffer): Generator<RecordBatch> {
  for (const b of batchBoundaries(buf)) yield decodeBatchAt(buf, b);
}

/** Decodes every complete batch in `buf`, magic 0, 1 and 2 alike, into one uniform list. */
export function decodeRecordBatches(buf: Buffer): RecordBatch[] {
  return Array.from(iterateRecordBatches(buf));
}

function checkSafe(v: number, what: string): void {
  if (!Number.isSafeInteger(v))
    throw new ProtocolError(ProtocolErrorCode.InvalidValue, `${what} ${v} is not a safe int64`);
}

/** The v2 batches of produced data, all whole; legacy entries cannot be patched in place. */
function* v2Batches(buf: Buffer): Generator<Buffer> {
  for (const b of batchBoundaries(buf, false)) {
    if (b.magic !== 2)
      throw new ProtocolError(
        ProtocolErrorCode.UnsupportedVersion,
        `magic-${b.magic} messages must be converted to record batches before they are appended`,
      );
    yield buf.subarray(b.position, b.position + b.size);
  }
}

/**
 * Assigns offsets in place, as the leader does on append: each batch's baseOffset becomes the
 * next free offset (baseOffset is not covered by the CRC). Returns the offset after the last batch.
 */
export function assignOffsets(buf: Buffer, firstOffset: number): number {
  checkSafe(firstOffset, 'offset');
  let next = firstOffset;
  for (const batch of v2Batches(buf)) {
    writeInt64FromNumber(batch, BatchHeader.BaseOffset, next);
    next += batch.readInt32BE(BatchHeader.LastOffsetDelta) + 1;
  }
  return next;
}

/** Stamps the leader epoch into every batch in place (not covered by the CRC either). */
export function setPartitionLeaderEpoch(buf: Buffer, epoch: number): void {
  for (const batch of v2Batches(buf)) batch.writeInt32BE(epoch, BatchHeader.PartitionLeaderEpoch);
}

/**
 * Switches every batch to LogAppendTime in place: sets the timestamp-type bit and maxTimestamp
 * (which then stands for every record), and recomputes the CRC these fields are covered by.
 */
export function setLogAppendTime(buf: Buffer, timestamp: number): void {
  checkSafe(timestamp, 'timestamp');
  for (const batch of v2Batches(buf)) {
    const attributes = batch.readInt16BE(BatchHeader.Attributes);
    batch.writeInt16BE(attributes | BatchAttributes.TimestampTypeLogAppend, BatchHeader.Attributes);
    writeInt64FromNumber(batch, BatchHeader.MaxTimestamp, timestamp);
    updateBatchCrc(batch);
  }
}
