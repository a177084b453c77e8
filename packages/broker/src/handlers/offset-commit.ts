/**
 * OffsetCommit (8), v0-9: stores committed offsets (with leader epoch v6+ and metadata). Members
 * of classic groups commit with their generation, of consumer groups with their member epoch;
 * generation -1 and no member id is a "simple" commit, allowed for groups without members.
 * v2-4's retention time is ignored: offsets expire by offsets.retention.minutes (KIP-211).
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { commitOffsets } from '../coordinator/offset-ops.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
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
    return {
      throttleTimeMs: 0,
      topics: commitOffsets(c, {
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
      }),
    };
  },
});
