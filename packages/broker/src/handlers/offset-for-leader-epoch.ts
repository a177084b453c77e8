/**
 * OffsetForLeaderEpoch (23), v0-4: per partition, the end offset of the requested leader epoch
 * (the start of the next larger epoch, or the log end for the current one) and the largest epoch
 * at or below it (v1+), from the log's leader-epoch cache; epoch -1 and offset -1 when the epoch
 * is unknown. currentLeaderEpoch (v2+, -1 = no check) fences stale callers with
 * FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH. replicaId (v3+) is accepted: this broker is the
 * leader of everything it hosts, so followers and consumers get the same answer.
 */
import { ApiKey, ErrorCode, type OffsetForLeaderEpochResponseEpochEndOffsetInput } from '@gregor/protocol';
import type { OffsetForLeaderEpochRequestOffsetForLeaderPartition } from '@gregor/protocol';
import type { Broker } from '../broker.js';
import { defineHandler } from './handler.js';

function endOffset(
  broker: Broker,
  topic: string,
  p: OffsetForLeaderEpochRequestOffsetForLeaderPartition,
): OffsetForLeaderEpochResponseEpochEndOffsetInput {
  const answer = (errorCode: number, leaderEpoch = -1, offset = -1) => ({
    errorCode,
    partition: p.partition,
    leaderEpoch,
    endOffset: BigInt(offset),
  });
  const { partition, errorCode } = broker.replicas.servedPartition(topic, p.partition, p.currentLeaderEpoch);
  if (!partition) return answer(errorCode);
  const found = partition.log.endOffsetForEpoch(p.leaderEpoch);
  if (found.endOffset < 0) return answer(ErrorCode.NONE);
  return answer(ErrorCode.NONE, found.epoch, found.endOffset);
}

export default defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle: (ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => endOffset(ctx.broker, t.topic, p)),
    })),
  }),
});
