/**
 * Loading a coordinator partition: reads its __consumer_offsets log from the start to the end
 * and replays every record, the same `replay` that applies records written in normal operation.
 * Reads in chunks and yields to the event loop between them, so a large log does not stall the
 * broker; requests for groups of a partition still loading get COORDINATOR_LOAD_IN_PROGRESS.
 */
import { BatchHeader, decodeRecordBatch, readBatchHeader } from '@gregor/protocol';
import type { PartitionLog } from '@gregor/storage';
import { decodeRecord, type CoordinatorRecord } from './records.js';

const CHUNK_BYTES = 1024 * 1024;

export async function loadPartition(
  log: PartitionLog,
  replay: (record: CoordinatorRecord) => void,
  isClosed: () => boolean,
): Promise<{ records: number; endOffset: number }> {
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  let count = 0;
  while (offset < end && !isClosed()) {
    const { records, nextOffset } = log.read(offset, CHUNK_BYTES, { maxOffset: end });
    if (records.length === 0 || nextOffset <= offset) break;
    for (let at = 0; at + BatchHeader.Size <= records.length;) {
      const header = readBatchHeader(records, at);
      const size = header.batchLength + BatchHeader.LogOverhead;
      if (at + size > records.length) break;
      const batch = decodeRecordBatch(records, at);
      at += size;
      if (batch.isControl) continue;
      for (const r of batch.records) {
        if (r.key === null) continue;
        const record = decodeRecord(r.key, r.value);
        if (record) {
          replay(record);
          count++;
        }
      }
    }
    offset = nextOffset;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { records: count, endOffset: end };
}
