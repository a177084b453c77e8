/**
 * OffsetCommit (8), v0-9: stores committed offsets (with leader epoch v6+ and metadata). Members
 * of classic groups commit with their generation, of consumer groups with their member epoch;
 * generation -1 and no member id is a "simple" commit, allowed for groups without members.
 * v2-4's retention time is ignored: offsets expire by offsets.retention.minutes (KIP-211).
 * The answer waits until the commit is replicated to the offsets partition's ISR (acks=all, as
 * Kafka's coordinator), else an acknowledged commit could die with the coordinator.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { commitOffsets } from '../coordinator/offset-ops.js';
import { DelayedProduce } from '../partition/delayed-produce.js';
import { defineHandler } from './handler.js';

/** Kafka's offsets.commit.timeout.ms default. */
const COMMIT_TIMEOUT_MS = 5_000;

export default defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const c = ctx.broker.groups;
    const everywhere = (errorCode: number) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    });
    const coordinator = c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE) return everywhere(coordinator);
    const v = ctx.apiVersion;
    const topics = commitOffsets(c, {
      groupId: req.groupId,
      generationIdOrMemberEpoch: v >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: v >= 1 ? req.memberId : '',
      groupInstanceId: v >= 7 ? req.groupInstanceId : null,
      apiVersion: v,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    });
    const wait = c.replicationWait(req.groupId);
    if (wait) {
      await new Promise<void>((resolve) =>
        ctx.broker.replicas.producePurgatory.tryCompleteElseWatch(
          new DelayedProduce(COMMIT_TIMEOUT_MS, [wait], () => resolve()),
          [wait.partition],
        ),
      );
      // Kafka's mapping of a failed offsets write: the coordinator moved, or is not available.
      const failed =
        wait.errorCode === ErrorCode.NONE
          ? ErrorCode.NONE
          : wait.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER
            ? ErrorCode.NOT_COORDINATOR
            : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      for (const t of topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = failed;
    }
    return { throttleTimeMs: 0, topics };
  },
});
