/**
 * Wires the storage layer's compaction codec to the protocol package's record batches:
 * decode a stored batch (decompressing), and re-encode survivors with the same header fields.
 */
import { BatchAttributes, decodeRecordBatch, encodeRecordBatch, type CompressionType } from '@gregor/protocol';
import type { BatchCodec, DecodedBatch } from '@gregor/storage';

export const recordBatchCodec: BatchCodec = {
  decode(buf: Buffer): DecodedBatch {
    const b = decodeRecordBatch(buf);
    return {
      baseOffset: b.baseOffset,
      lastOffsetDelta: b.lastOffsetDelta,
      partitionLeaderEpoch: b.partitionLeaderEpoch,
      attributes: b.attributes,
      baseTimestamp: b.baseTimestamp,
      maxTimestamp: b.maxTimestamp,
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      records: b.records.map((r) => ({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers,
      })),
    };
  },
  encode(b: DecodedBatch): Buffer {
    const a = b.attributes;
    return encodeRecordBatch({
      records: b.records.map((r) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
        offsetDelta: r.offset - b.baseOffset,
      })),
      baseOffset: b.baseOffset,
      partitionLeaderEpoch: b.partitionLeaderEpoch,
      compression: (a & BatchAttributes.CompressionMask) as CompressionType,
      logAppendTime: (a & BatchAttributes.TimestampTypeLogAppend) !== 0 ? b.maxTimestamp : undefined,
      transactional: (a & BatchAttributes.Transactional) !== 0,
      control: (a & BatchAttributes.Control) !== 0,
      deleteHorizonSet: (a & BatchAttributes.DeleteHorizonSet) !== 0,
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      lastOffsetDelta: b.lastOffsetDelta,
      baseTimestamp: b.baseTimestamp,
      maxTimestamp: b.maxTimestamp,
      timestamp: b.baseTimestamp,
    });
  },
};
