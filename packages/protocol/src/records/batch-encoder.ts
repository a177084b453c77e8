import { compress } from '../compression/index.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { Writer } from '../primitives/writer.js';
import { BatchAttributes, BatchHeader, CompressionType, updateBatchCrc } from './batch-header.js';
import { measureRecords, writeRecords, type MeasuredRecords } from './record-codec.js';
import type { RecordInput } from './types.js';

export interface EncodeRecordBatchOptions {
  records: readonly RecordInput[];
  /** Default 0: producers send 0 and the broker assigns the real offset in place. */
  baseOffset?: number | undefined;
  /** Default -1 (no epoch), as producers send it; the leader fills it in place. */
  partitionLeaderEpoch?: number | undefined;
  compression?: CompressionType | undefined;
  /** Sets the LogAppendTime attribute and uses this as maxTimestamp (what a broker stamps). */
  logAppendTime?: number | undefined;
  transactional?: boolean | undefined;
  control?: boolean | undefined;
  /** Defaults -1/-1/-1: not idempotent. */
  producerId?: number | undefined;
  producerEpoch?: number | undefined;
  baseSequence?: number | undefined;
  /** CreateTime for records without their own; default Date.now(). */
  timestamp?: number | undefined;
  /**
   * Overrides the computed lastOffsetDelta: compaction keeps a batch's original last offset even
   * when its last records are gone, so a rewritten batch must be able to say so.
   */
  lastOffsetDelta?: number | undefined;
  /**
   * Overrides the batch's baseTimestamp (record timestamps become deltas from it). Compaction
   * stores a tombstone delete horizon there (KIP-534) together with `deleteHorizonSet`.
   */
  baseTimestamp?: number | undefined;
  /** Overrides the computed maxTimestamp (kept as it was when a batch is rewritten). */
  maxTimestamp?: number | undefined;
  /** Sets the delete-horizon attribute: baseTimestamp holds the horizon, not the first timestamp. */
  deleteHorizonSet?: boolean | undefined;
}

function attributesOf(opts: EncodeRecordBatchOptions, compression: CompressionType): number {
  let a = compression;
  if (opts.logAppendTime !== undefined) a |= BatchAttributes.TimestampTypeLogAppend;
  if (opts.transactional) a |= BatchAttributes.Transactional;
  if (opts.control) a |= BatchAttributes.Control;
  if (opts.deleteHorizonSet) a |= BatchAttributes.DeleteHorizonSet;
  return a;
}

function writeHeader(
  w: Writer,
  opts: EncodeRecordBatchOptions,
  compression: CompressionType,
  m: MeasuredRecords,
  count: number,
): void {
  const lastOffsetDelta = opts.lastOffsetDelta ?? m.lastOffsetDelta;
  if (lastOffsetDelta < m.lastOffsetDelta)
    throw new ProtocolError(ProtocolErrorCode.InvalidValue, `lastOffsetDelta ${lastOffsetDelta} is below a record's`);
  w.writeInt64Number(opts.baseOffset ?? 0);
  w.writeInt32(0); // batchLength, patched once the size is known
  w.writeInt32(opts.partitionLeaderEpoch ?? -1);
  w.writeInt8(2);
  w.writeUInt32(0); // crc, computed last
  w.writeInt16(attributesOf(opts, compression));
  w.writeInt32(lastOffsetDelta);
  w.writeInt64Number(m.baseTimestamp);
  w.writeInt64Number(opts.maxTimestamp ?? opts.logAppendTime ?? m.maxTimestamp);
  w.writeInt64Number(opts.producerId ?? -1);
  w.writeInt16(opts.producerEpoch ?? -1);
  w.writeInt32(opts.baseSequence ?? -1);
  w.writeInt32(count);
}

/** Fills in batchLength and the CRC once all bytes are in place. */
function seal(batch: Buffer): Buffer {
  batch.writeInt32BE(batch.length - BatchHeader.LogOverhead, BatchHeader.BatchLength);
  updateBatchCrc(batch);
  return batch;
}

/** Builds a complete magic-2 record batch, compressing the records section if asked. */
export function encodeRecordBatch(opts: EncodeRecordBatchOptions): Buffer {
  const compression = opts.compression ?? CompressionType.None;
  const timestamp = opts.timestamp ?? Date.now();
  const { records } = opts;
  const m = measureRecords(records, timestamp, opts.baseTimestamp);

  if (compression === CompressionType.None) {
    const w = new Writer(BatchHeader.Size + m.size);
    writeHeader(w, opts, compression, m, records.length);
    writeRecords(w, records, m, timestamp);
    return seal(w.toBuffer());
  }

  const body = new Writer(Math.max(m.size, 16));
  writeRecords(body, records, m, timestamp);
  const compressed = compress(compression, body.toBuffer());
  const w = new Writer(BatchHeader.Size);
  writeHeader(w, opts, compression, m, records.length);
  const batch = Buffer.allocUnsafe(BatchHeader.Size + compressed.length);
  w.toBuffer().copy(batch, 0);
  compressed.copy(batch, BatchHeader.Size);
  return seal(batch);
}
