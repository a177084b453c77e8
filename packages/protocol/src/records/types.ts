import type { CompressionType } from './batch-header.js';

/**
 * Records as the batch codecs exchange them. Int64 fields (offsets, timestamps, producer ids)
 * are JavaScript numbers: exact within ±2^53, which covers every offset a log reaches and every
 * millisecond timestamp until the year 287396. Encoders reject values outside that range.
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record as it sits in a v2 batch: offset and timestamp relative to the batch. */
export interface KafkaRecord {
  /** Record-level attributes (int8); unused by Kafka so far, kept for fidelity. */
  attributes: number;
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A decoded record, with its absolute offset and timestamp resolved against the batch. */
export interface DecodedRecord extends KafkaRecord {
  offset: number;
  /** CreateTime from the record, or the batch's maxTimestamp under LogAppendTime; -1 for magic 0. */
  timestamp: number;
}

export const TimestampType = { NoTimestamp: -1, CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/**
 * A decoded batch. Magic 2 batches map one to one; a legacy (magic 0/1) message becomes a batch
 * too, as Kafka's own readers do: an uncompressed message is a batch of one record, a compressed
 * wrapper a batch of its inner messages. Legacy batches have no producer fields (-1) or headers.
 */
export interface RecordBatch {
  magic: 0 | 1 | 2;
  baseOffset: number;
  /** baseOffset + lastOffsetDelta: the offset the next batch starts after. */
  lastOffset: number;
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Bytes the batch occupies in the buffer it was read from, log overhead included. */
  sizeInBytes: number;
  records: DecodedRecord[];
}

/** A record to encode. Missing fields take the batch defaults (see EncodeRecordBatchOptions). */
export interface RecordInput {
  key?: Buffer | null | undefined;
  value?: Buffer | null | undefined;
  headers?: readonly RecordHeader[] | undefined;
  /** Absolute CreateTime in ms; defaults to the batch's `timestamp`. */
  timestamp?: number | undefined;
  /** Defaults to the record's index in the batch; must increase through the batch. */
  offsetDelta?: number | undefined;
  attributes?: number | undefined;
}
