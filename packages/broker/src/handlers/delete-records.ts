/**
 * DeleteRecords (21), v0-2: moves each partition's log start offset up to the given offset (-1:
 * the high watermark), making the records before it unreadable and deleting whole segments below
 * it; answers the new low watermark. Offsets beyond the high watermark (or negative other than
 * -1) fail with OFFSET_OUT_OF_RANGE, partitions of compact-only topics with POLICY_VIOLATION. The
 * change is persisted before the answer, so timeoutMs is not needed.
 */
import { ApiKey, ErrorCode, type DeleteRecordsResponseDeleteRecordsPartitionResultInput } from '@gregor/protocol';
import type { DeleteRecordsRequestDeleteRecordsPartition } from '@gregor/protocol';
import { StorageError } from '@gregor/storage';
import type { Broker } from '../broker.js';
import { defineHandler } from './handler.js';

const HIGH_WATERMARK = -1;

function deleteRecords(
  broker: Broker,
  topic: string,
  p: DeleteRecordsRequestDeleteRecordsPartition,
): DeleteRecordsResponseDeleteRecordsPartitionResultInput {
  const answer = (errorCode: number, lowWatermark = -1) => ({
    partitionIndex: p.partitionIndex,
    errorCode,
    lowWatermark: BigInt(lowWatermark),
  });
  const { partition, errorCode } = broker.replicas.servedPartition(topic, p.partitionIndex);
  if (!partition) return answer(errorCode);
  const log = partition.log;
  if (!log.config.cleanupPolicy.delete) return answer(ErrorCode.POLICY_VIOLATION);
  const requested = Number(p.offset);
  const offset = requested === HIGH_WATERMARK ? log.highWatermark : requested;
  if (offset < 0 || offset > log.highWatermark) return answer(ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    const lowWatermark = log.deleteRecordsBefore(offset);
    partition.logStartMoved();
    return answer(ErrorCode.NONE, lowWatermark);
  } catch (err) {
    if (err instanceof StorageError) return answer(err.kafkaErrorCode);
    throw err;
  }
}

export default defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => deleteRecords(ctx.broker, t.name, p)),
    }));
    for (const t of topics)
      if (t.partitions.some((p) => p.errorCode === ErrorCode.NONE))
        ctx.broker.logger.info(
          { topic: t.name, lowWatermarks: t.partitions.map((p) => `${p.partitionIndex}:${p.lowWatermark}`) },
          'deleted records',
        );
    return { throttleTimeMs: 0, topics };
  },
});
