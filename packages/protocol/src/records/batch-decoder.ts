import { decompress, toCompressionType } from '../compression/index.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import { BatchAttributes, BatchHeader, CompressionType, readBatchHeader } from './batch-header.js';
import { crc32c } from '@node-rs/crc32';
import { readRecords } from './record-codec.js';
import { TimestampType, type RecordBatch } from './types.js';

const corrupt = (why: string): ProtocolError => new ProtocolError(ProtocolErrorCode.CorruptMessage, why);

/**
 * Size in bytes (log overhead included) of the v2 batch at `at`, checked to be complete.
 * Exported for the multi-batch reader, which treats a short final batch as the end instead.
 */
export function v2BatchSize(buf: Buffer, at: number): number {
  if (buf.length - at < BatchHeader.Size)
    throw new ProtocolError(ProtocolErrorCode.Truncated, `record batch header needs 61 bytes, ${buf.length - at} left`);
  const batchLength = buf.readInt32BE(at + BatchHeader.BatchLength);
  if (batchLength < BatchHeader.Size - BatchHeader.LogOverhead)
    throw corrupt(`record batch length ${batchLength} is smaller than the batch header`);
  const size = batchLength + BatchHeader.LogOverhead;
  if (size > buf.length - at)
    throw new ProtocolError(ProtocolErrorCode.Truncated, `record batch of ${size} bytes, ${buf.length - at} left`);
  return size;
}

/**
 * Decodes the magic-2 batch at `at` (default 0) in `buf`: checks length, magic and CRC32C,
 * decompresses, decodes every record. Keys, values and header values of uncompressed batches are
 * views into `buf`. Any malformation is a ProtocolError (CorruptChecksum for a CRC mismatch).
 */
export function decodeRecordBatch(buf: Buffer, at = 0): RecordBatch {
  const size = v2BatchSize(buf, at);
  const magic = buf.readInt8(at + BatchHeader.Magic);
  if (magic !== 2) throw corrupt(`expected a magic-2 record batch, found magic ${magic}`);
  return decodeV2(buf.subarray(at, at + size));
}

/** Decodes a complete v2 batch occupying all of `batch`. */
export function decodeV2(batch: Buffer): RecordBatch {
  const h = readBatchHeader(batch);
  const crc = crc32c(batch.subarray(BatchHeader.Attributes));
  if (crc !== h.crc)
    throw new ProtocolError(
      ProtocolErrorCode.CorruptChecksum,
      `record batch CRC32C is ${crc.toString(16)}, header says ${h.crc.toString(16)}`,
    );
  const compression = toCompressionType(h.attributes & BatchAttributes.CompressionMask);
  if (h.recordCount < 0) throw corrupt(`negative record count ${h.recordCount}`);
  const logAppend = (h.attributes & BatchAttributes.TimestampTypeLogAppend) !== 0;

  let section = batch.subarray(BatchHeader.Size);
  if (compression !== CompressionType.None) section = decompress(compression, section);
  const records = readRecords(new Reader(section), h.recordCount, {
    baseOffset: h.baseOffset,
    baseTimestamp: h.baseTimestamp,
    logAppendTime: logAppend ? h.maxTimestamp : null,
  });

  return {
    magic: 2,
    baseOffset: h.baseOffset,
    lastOffset: h.baseOffset + h.lastOffsetDelta,
    lastOffsetDelta: h.lastOffsetDelta,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    crc: h.crc,
    attributes: h.attributes,
    compression,
    timestampType: logAppend ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    isTransactional: (h.attributes & BatchAttributes.Transactional) !== 0,
    isControl: (h.attributes & BatchAttributes.Control) !== 0,
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    sizeInBytes: batch.length,
    records,
  };
}
