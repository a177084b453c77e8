/**
 * Turns one partition's fetched bytes into records: every batch format (magic 0, 1, 2) and codec
 * the protocol package reads; control batches skipped; records before the fetch offset dropped
 * (a compressed batch starts before it); under read_committed, records of aborted transactions
 * dropped using the response's aborted-transaction list, as Kafka's CompletedFetch does.
 */
import { ControlRecordType, decodeControlRecordKey, iterateRecordBatches, type RecordHeader } from '@gregor/protocol';

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  /** CreateTime, or LogAppendTime when the topic uses it (`timestampType`). */
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime' | 'NoTimestamp';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The partition leader epoch the batch was written in (-1 when unknown). */
  leaderEpoch: number;
}

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface DecodedPartition {
  records: ConsumerRecord[];
  /** Offset after the last complete batch (control and aborted ones included), or null if none was complete. */
  nextOffset: number | null;
}

const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

export function decodePartitionRecords(
  topic: string,
  partition: number,
  bytes: Buffer | null,
  fetchOffset: number,
  readCommitted: boolean,
  abortedTransactions: readonly AbortedTransaction[] | null,
): DecodedPartition {
  const records: ConsumerRecord[] = [];
  let nextOffset: number | null = null;
  if (!bytes || bytes.length === 0) return { records, nextOffset };
  const aborted = readCommitted ? [...(abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  const abortedProducers = new Set<number>();
  for (const batch of iterateRecordBatches(bytes)) {
    nextOffset = batch.lastOffset + 1;
    if (batch.lastOffset < fetchOffset) continue;
    if (readCommitted) {
      while (aborted.length > 0 && aborted[0]!.firstOffset <= batch.lastOffset)
        abortedProducers.add(aborted.shift()!.producerId);
      if (batch.isControl) {
        const first = batch.records[0];
        // An ABORT marker ends the producer's aborted transaction.
        if (first?.key && decodeControlRecordKey(first).type === ControlRecordType.Abort)
          abortedProducers.delete(batch.producerId);
        continue;
      }
      if (batch.isTransactional && abortedProducers.has(batch.producerId)) continue;
    }
    if (batch.isControl) continue;
    const timestampType = batch.magic === 0 ? 'NoTimestamp' : TIMESTAMP_TYPES[batch.timestampType === 1 ? 1 : 0];
    for (const r of batch.records) {
      if (r.offset < fetchOffset) continue;
      records.push({
        topic,
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        timestampType,
        key: r.key,
        value: r.value,
        headers: r.headers,
        leaderEpoch: batch.partitionLeaderEpoch,
      });
    }
  }
  return { records, nextOffset };
}
