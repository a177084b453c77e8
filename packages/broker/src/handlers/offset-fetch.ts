/**
 * OffsetFetch (9), v0-9: a group's committed offsets (-1 where none), for the partitions asked
 * or (v2+, topics null) all of them. v8+ ask for several groups at once; v9 members of consumer
 * groups give their member id and epoch. No transactions yet, so requireStable changes nothing.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { GroupCoordinator } from '../coordinator/coordinator.js';
import { fetchOffsets, type FetchedOffsets } from '../coordinator/offset-ops.js';
import { defineHandler } from './handler.js';

function fetchGroup(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  member?: { memberId: string; memberEpoch: number },
): FetchedOffsets {
  const coordinator = c.coordinatorError(groupId);
  if (coordinator !== ErrorCode.NONE) return { errorCode: coordinator, topics: [] };
  return fetchOffsets(c, groupId, topics, member);
}

export default defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    if (ctx.apiVersion >= 8)
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => {
          const member =
            g.memberId !== null && g.memberEpoch >= 0
              ? { memberId: g.memberId, memberEpoch: g.memberEpoch }
              : undefined;
          const r = fetchGroup(c, g.groupId, g.topics, member);
          return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
        }),
      };
    const r = fetchGroup(c, req.groupId, req.topics);
    if (ctx.apiVersion < 2 && r.errorCode !== ErrorCode.NONE)
      // v0-1 have no top-level error: every partition asked carries it.
      return {
        throttleTimeMs: 0,
        topics: (req.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            committedOffset: -1n,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: r.errorCode,
          })),
        })),
      };
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
});
