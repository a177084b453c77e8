import { BatchAttributes, BatchHeader, readBatchHeader, updateBatchCrc, writeInt64FromNumber } from '@gregor/protocol';
import { CorruptRecordError, RecordTooLargeError, StorageErrorCode } from './errors.js';
import { batchProblem, type BatchLocation } from './record-batches.js';

/**
 * Checks the batches of one produce (or replication) request before anything is written, as
 * Kafka's LogValidator does for what it can see without decompressing: framing, magic 2, CRC,
 * per-batch size vs max.message.bytes and total size vs segment.bytes. Record-level checks that
 * need decoding (keys on compacted topics, timestamps of inner records) are the broker's, which
 * holds the decoder. Returns each batch's location within `buf`.
 */
export function validateBatches(
  buf: Buffer,
  limits: { maxMessageBytes: number; segmentBytes: number },
  fromClient: boolean,
): BatchLocation[] {
  if (buf.length === 0) throw new CorruptRecordError('the record set is empty', StorageErrorCode.InvalidRecord);
  if (buf.length > limits.segmentBytes)
    throw new RecordTooLargeError(
      `record set of ${buf.length} bytes exceeds segment.bytes ${limits.segmentBytes}`,
      StorageErrorCode.RecordListTooLarge,
    );
  const batches: BatchLocation[] = [];
  let position = 0;
  while (position < buf.length) {
    const problem = batchProblem(buf, position, true);
    if (problem !== undefined)
      throw new CorruptRecordError(`batch at byte ${position}: ${problem}`, StorageErrorCode.CorruptRecord);
    const header = readBatchHeader(buf, position);
    const size = header.batchLength + BatchHeader.LogOverhead;
    if (size > limits.maxMessageBytes)
      throw new RecordTooLargeError(
        `batch of ${size} bytes exceeds max.message.bytes ${limits.maxMessageBytes}`,
        StorageErrorCode.RecordTooLarge,
      );
    // A client's batch numbers its records 0..n-1; compaction may leave gaps only in stored data.
    if (fromClient && (header.recordCount <= 0 || header.lastOffsetDelta + 1 !== header.recordCount))
      throw new CorruptRecordError(
        `batch at byte ${position}: ${header.recordCount} records but offset delta ${header.lastOffsetDelta}`,
        StorageErrorCode.InvalidRecord,
      );
    batches.push({ position, size, header });
    position += size;
  }
  return batches;
}

/**
 * Gives the batches their log offsets and leader epoch by patching the header fields in place
 * (neither is covered by the CRC). With `logAppendTime`, also stamps the batch as LogAppendTime
 * (attribute bit + maxTimestamp, which consumers then use for every record) and recomputes the
 * CRC, since both fields are covered by it. Headers in `batches` are updated to match.
 */
export function assignOffsets(
  buf: Buffer,
  batches: readonly BatchLocation[],
  firstOffset: number,
  leaderEpoch: number,
  logAppendTime: number | undefined,
): void {
  let next = firstOffset;
  for (const batch of batches) {
    const at = batch.position;
    writeInt64FromNumber(buf, at + BatchHeader.BaseOffset, next);
    buf.writeInt32BE(leaderEpoch, at + BatchHeader.PartitionLeaderEpoch);
    batch.header.baseOffset = next;
    batch.header.partitionLeaderEpoch = leaderEpoch;
    if (logAppendTime !== undefined) {
      const attributes = batch.header.attributes | BatchAttributes.TimestampTypeLogAppend;
      buf.writeInt16BE(attributes, at + BatchHeader.Attributes);
      writeInt64FromNumber(buf, at + BatchHeader.MaxTimestamp, logAppendTime);
      updateBatchCrc(buf.subarray(at, at + batch.size));
      batch.header.attributes = attributes;
      batch.header.maxTimestamp = logAppendTime;
    }
    next += batch.header.lastOffsetDelta + 1;
  }
}
