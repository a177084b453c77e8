import { crc32c } from '@node-rs/crc32';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/**
 * The fixed 61-byte header of a RecordBatch v2 (magic 2), as Kafka lays it out:
 *
 *   0  baseOffset            int64
 *   8  batchLength           int32   bytes after this field
 *  12  partitionLeaderEpoch  int32
 *  16  magic                 int8    (2)
 *  17  crc                   uint32  CRC32C of bytes 21..end
 *  21  attributes            int16
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records…
 *
 * The broker reads and patches these fields in place (offsets, leader epoch, LogAppendTime)
 * without decoding the records, so they are exposed as offsets and small helpers.
 */
export const BatchHeader = {
  BaseOffset: 0,
  BatchLength: 8,
  PartitionLeaderEpoch: 12,
  Magic: 16,
  Crc: 17,
  Attributes: 21,
  LastOffsetDelta: 23,
  BaseTimestamp: 27,
  MaxTimestamp: 35,
  ProducerId: 43,
  ProducerEpoch: 51,
  BaseSequence: 53,
  RecordCount: 57,
  /** Total size of the header. */
  Size: 61,
  /** Bytes before the part that batchLength counts (baseOffset + batchLength). */
  LogOverhead: 12,
} as const;

/** Attribute bits of a v2 batch. */
export const BatchAttributes = {
  CompressionMask: 0x07,
  TimestampTypeLogAppend: 0x08,
  Transactional: 0x10,
  Control: 0x20,
  DeleteHorizonSet: 0x40,
} as const;

export const CompressionType = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const TWO_POW_32 = 0x1_0000_0000;

/** Reads an int64 field at `at` as a number (exact within ±2^53). */
export function readInt64AsNumber(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_POW_32 + buf.readUInt32BE(at + 4);
}
/** Writes a number (integer within ±2^53) as an int64 at `at`. */
export function writeInt64FromNumber(buf: Buffer, at: number, v: number): void {
  const high = Math.floor(v / TWO_POW_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(v - high * TWO_POW_32, at + 4);
}

/** The parsed header of one v2 batch, numbers throughout (offsets and timestamps fit in 2^53). */
export interface RecordBatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Parses the header of the v2 batch starting at `at`; the caller has checked `Size` bytes are there. */
export function readBatchHeader(buf: Buffer, at = 0): RecordBatchHeader {
  if (buf.length - at < BatchHeader.Size)
    throw new ProtocolError(ProtocolErrorCode.Truncated, `record batch header needs 61 bytes, ${buf.length - at} left`);
  return {
    baseOffset: readInt64AsNumber(buf, at + BatchHeader.BaseOffset),
    batchLength: buf.readInt32BE(at + BatchHeader.BatchLength),
    partitionLeaderEpoch: buf.readInt32BE(at + BatchHeader.PartitionLeaderEpoch),
    magic: buf.readInt8(at + BatchHeader.Magic),
    crc: buf.readUInt32BE(at + BatchHeader.Crc),
    attributes: buf.readInt16BE(at + BatchHeader.Attributes),
    lastOffsetDelta: buf.readInt32BE(at + BatchHeader.LastOffsetDelta),
    baseTimestamp: readInt64AsNumber(buf, at + BatchHeader.BaseTimestamp),
    maxTimestamp: readInt64AsNumber(buf, at + BatchHeader.MaxTimestamp),
    producerId: readInt64AsNumber(buf, at + BatchHeader.ProducerId),
    producerEpoch: buf.readInt16BE(at + BatchHeader.ProducerEpoch),
    baseSequence: buf.readInt32BE(at + BatchHeader.BaseSequence),
    recordCount: buf.readInt32BE(at + BatchHeader.RecordCount),
  };
}

/** CRC32C over a v2 batch's bytes from attributes to the end, as stored in its crc field. */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(BatchHeader.Attributes));
}

/** True when the stored CRC of the whole batch in `batch` matches its bytes. */
export function batchCrcIsValid(batch: Buffer): boolean {
  return batch.readUInt32BE(BatchHeader.Crc) === computeBatchCrc(batch);
}

/** Recomputes and stores the CRC after header fields covered by it were patched (e.g. LogAppendTime). */
export function updateBatchCrc(batch: Buffer): void {
  batch.writeUInt32BE(computeBatchCrc(batch), BatchHeader.Crc);
}
