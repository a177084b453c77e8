/**
 * The record-level codec the cleaner (and exact timestamp lookups) need, injected by the broker
 * so this package does not depend on decompression. The broker wires it to the protocol
 * package's record batch decoder/encoder.
 */
export interface CodecRecord {
  /** Absolute offset (baseOffset + offsetDelta). */
  offset: number;
  /** Absolute timestamp (baseTimestamp + timestampDelta). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly { key: string; value: Buffer | null }[];
}

/** Header fields of a v2 batch as the codec sees them (offsets/timestamps absolute). */
export interface CodecBatchHeader {
  baseOffset: number;
  /** Kept even when the last record was compacted away, so the batch's offset range survives. */
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  /** All attribute bits (compression, timestamp type, transactional, control, delete horizon). */
  attributes: number;
  /** The delete horizon when the DeleteHorizonSet attribute is set, else the first timestamp. */
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export interface DecodedBatch extends CodecBatchHeader {
  records: CodecRecord[];
}

export interface BatchCodec {
  /** Decodes one whole batch (decompressing it). */
  decode(batch: Buffer): DecodedBatch;
  /**
   * Encodes a v2 batch with exactly these header fields and records (record deltas computed
   * from baseOffset/baseTimestamp; recordCount from `records`), compressed as `attributes`
   * says, with a fresh CRC.
   */
  encode(batch: DecodedBatch): Buffer;
}
