/**
 * ListOffsets (2), v0-9: per partition the earliest offset (-2), the latest (-1: the high
 * watermark, which is also the last stable offset without transactions), the record with the
 * largest timestamp (-3), the earliest local (-4), or the first offset whose timestamp is at
 * least the one asked for. v0 answers with Kafka's old-style list (`oldStyleOffsets`, at most
 * maxNumOffsets entries) holding that one offset.
 */
import { ApiKey, ErrorCode, type ListOffsetsResponseListOffsetsPartitionResponseInput } from '@gregor/protocol';
import type { ListOffsetsRequestListOffsetsPartition } from '@gregor/protocol';
import type { Broker } from '../broker.js';
import { defineHandler } from './handler.js';

const LATEST = -1;
const EARLIEST = -2;
const LATEST_TIERED = -5;

function listOffset(broker: Broker, topic: string, p: ListOffsetsRequestListOffsetsPartition) {
  const answer = (
    errorCode: number,
    timestamp = -1,
    offset = -1,
    leaderEpoch = -1,
  ): ListOffsetsResponseListOffsetsPartitionResponseInput => ({
    partitionIndex: p.partitionIndex,
    errorCode,
    oldStyleOffsets: offset >= 0 && p.maxNumOffsets > 0 ? [BigInt(offset)] : [],
    timestamp: BigInt(timestamp),
    offset: BigInt(offset),
    leaderEpoch,
  });
  const { partition, errorCode } = broker.replicas.servedPartition(topic, p.partitionIndex, p.currentLeaderEpoch);
  if (!partition) return answer(errorCode);
  const log = partition.log;
  const timestamp = Number(p.timestamp);
  if (timestamp === LATEST) return answer(ErrorCode.NONE, -1, log.highWatermark, partition.leaderEpoch);
  if (timestamp === EARLIEST) return answer(ErrorCode.NONE, -1, log.logStartOffset, partition.leaderEpoch);
  if (timestamp === LATEST_TIERED) return answer(ErrorCode.NONE, -1, -1, -1);
  if (timestamp < -4) return answer(ErrorCode.INVALID_REQUEST);
  const found = log.listOffset(timestamp);
  if (!found || found.offset >= log.highWatermark) return answer(ErrorCode.NONE, -1, -1, -1);
  return answer(ErrorCode.NONE, found.timestamp, found.offset, partition.leaderEpoch);
}

export default defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 9,
  handle: (ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => listOffset(ctx.broker, t.name, p)),
    })),
  }),
});
