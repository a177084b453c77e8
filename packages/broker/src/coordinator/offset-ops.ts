/**
 * Committed offsets as the APIs see them: OffsetCommit (member checks for classic and consumer
 * groups, "simple" commits with generation -1 for groups without members), OffsetFetch,
 * OffsetDelete, and the periodic expiry of offsets of empty groups (offsets.retention.minutes),
 * which writes tombstones. All writes go through the coordinator's append-then-replay.
 */
import { ErrorCode, Reader, readConsumerProtocolSubscription } from '@gregor/protocol';
import { resetSession } from './classic-join.js';
import { validateMember } from './classic-sync.js';
import { ConsumerGroup } from './consumer-group.js';
import type { GroupCoordinator } from './coordinator.js';
import { ClassicGroup } from './group.js';
import type { CoordinatorRecord } from './records.js';

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface CommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: CommitPartition[] }[];
  apiVersion: number;
}

type TopicResults = { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];

const allFailed = (req: CommitRequest, errorCode: number): TopicResults =>
  req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  }));

/** Who may commit: NONE, or the error every partition gets. */
function validateCommit(c: GroupCoordinator, req: CommitRequest): number {
  const group = c.groups.get(req.groupId);
  if (!group) {
    if (req.generationIdOrMemberEpoch < 0) return ErrorCode.NONE;
    return req.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
  }
  if (group instanceof ConsumerGroup) {
    if (req.generationIdOrMemberEpoch < 0 && req.memberId === '' && group.members.size === 0) return ErrorCode.NONE;
    const member = group.members.get(req.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationIdOrMemberEpoch !== member.memberEpoch)
      return req.apiVersion >= 9 ? ErrorCode.STALE_MEMBER_EPOCH : ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (req.generationIdOrMemberEpoch < 0 && group.state === 'Empty') return ErrorCode.NONE;
  const invalid = validateMember(group, {
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    generationId: req.generationIdOrMemberEpoch,
  });
  if (invalid !== ErrorCode.NONE) return invalid;
  if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

export function commitOffsets(c: GroupCoordinator, req: CommitRequest): TopicResults {
  const invalid = validateCommit(c, req);
  if (invalid !== ErrorCode.NONE) return allFailed(req, invalid);
  const now = c.timers.now();
  const maxMetadata = c.config.int('offset.metadata.max.bytes');
  const records: CoordinatorRecord[] = [];
  const results: TopicResults = req.topics.map((t) => {
    const topic = c.metadata.topic(t.name);
    return {
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = ErrorCode.NONE;
        if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions.length)
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (Buffer.byteLength(p.committedMetadata ?? '') > maxMetadata)
          errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else
          records.push({
            type: 'offset',
            group: req.groupId,
            topic: t.name,
            partition: p.partitionIndex,
            value: {
              offset: p.committedOffset,
              leaderEpoch: p.committedLeaderEpoch,
              metadata: p.committedMetadata ?? '',
              commitTimestamp: BigInt(now),
              expireTimestamp: -1n,
            },
          });
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    };
  });
  const written = c.append(req.groupId, records);
  if (written !== ErrorCode.NONE)
    for (const t of results) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = written;
  // A commit from a member shows it is alive, like a heartbeat.
  const group = c.groups.get(req.groupId);
  const member = group instanceof ClassicGroup ? group.members.get(req.memberId) : undefined;
  if (group instanceof ClassicGroup && member) resetSession(c.classicEnv, group, member);
  return results;
}

export interface FetchedOffsets {
  errorCode: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: bigint;
      committedLeaderEpoch: number;
      metadata: string | null;
      errorCode: number;
    }[];
  }[];
}

/** A group's committed offsets, for the partitions asked (null: all it has); -1 where none. */
export function fetchOffsets(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  member?: { memberId: string; memberEpoch: number },
): FetchedOffsets {
  const group = c.groups.get(groupId);
  if (member && group instanceof ConsumerGroup) {
    const m = group.members.get(member.memberId);
    if (!m) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] };
    if (m.memberEpoch !== member.memberEpoch) return { errorCode: ErrorCode.STALE_MEMBER_EPOCH, topics: [] };
  }
  const wanted =
    topics ??
    [...groupBy(c.offsets.all(groupId), (o) => o.topic)].map(([name, list]) => ({
      name,
      partitionIndexes: list.map((o) => o.partition),
    }));
  return {
    errorCode: ErrorCode.NONE,
    topics: wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const committed = c.offsets.get(groupId, t.name, partitionIndex);
        return {
          partitionIndex,
          committedOffset: BigInt(committed?.offset ?? -1),
          committedLeaderEpoch: committed?.leaderEpoch ?? -1,
          metadata: committed ? committed.metadata : '',
          errorCode: ErrorCode.NONE,
        };
      }),
    })),
  };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export function decodeSubscribedTopics(metadata: Buffer): string[] | undefined {
  try {
    const r = new Reader(metadata);
    const version = r.readInt16();
    return readConsumerProtocolSubscription(r, Math.min(Math.max(version, 0), 3)).topics;
  } catch {
    return undefined;
  }
}

/** OffsetDelete: drops committed offsets of topics the group does not consume. */
export function deleteOffsets(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitions: { partitionIndex: number }[] }[],
): { errorCode: number; topics: TopicResults } {
  const group = c.groups.get(groupId);
  if (!group || (group instanceof ClassicGroup && group.state === 'Dead'))
    return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  let subscribed: Set<string> | undefined = new Set();
  if (group instanceof ConsumerGroup) subscribed = group.subscribedTopicNames();
  else if (group.state !== 'Empty') {
    subscribed = group.subscribedTopics(decodeSubscribedTopics);
    if (!subscribed) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
  }
  const records: CoordinatorRecord[] = [];
  const results: TopicResults = topics.map((t) => {
    const topic = c.metadata.topic(t.name);
    return {
      name: t.name,
      partitions: t.partitions.map(({ partitionIndex }) => {
        let errorCode: number = ErrorCode.NONE;
        if (!topic || partitionIndex < 0 || partitionIndex >= topic.partitions.length)
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (subscribed.has(t.name)) errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else if (c.offsets.get(groupId, t.name, partitionIndex))
          records.push({ type: 'offset', group: groupId, topic: t.name, partition: partitionIndex, value: null });
        return { partitionIndex, errorCode };
      }),
    };
  });
  const written = c.append(groupId, records);
  if (written !== ErrorCode.NONE) return { errorCode: written, topics: [] };
  return { errorCode: ErrorCode.NONE, topics: results };
}

/**
 * Expires offsets of groups without members once offsets.retention.minutes have passed since
 * the later of the commit and the group becoming empty (KIP-211); an empty classic group left
 * without offsets is then deleted too.
 */
export function expireOffsets(c: GroupCoordinator, now: number): number {
  const retentionMs = c.config.int('offsets.retention.minutes') * 60_000;
  let expired = 0;
  for (const groupId of new Set([...c.offsets.groupIds(), ...c.groups.keys()])) {
    if (c.coordinatorError(groupId) !== ErrorCode.NONE) continue;
    const group = c.groups.get(groupId);
    let emptySince = 0;
    if (group instanceof ClassicGroup) {
      if (group.state !== 'Empty') continue;
      emptySince = group.stateTimestamp;
    } else if (group instanceof ConsumerGroup) {
      if (group.members.size > 0) continue;
    }
    const records: CoordinatorRecord[] = c.offsets
      .all(groupId)
      .filter((o) => Math.max(o.committed.commitTimestamp, emptySince) + retentionMs <= now)
      .map((o) => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null }));
    const removesAll = records.length === c.offsets.all(groupId).length;
    if (removesAll && group instanceof ClassicGroup && group.state === 'Empty')
      records.push({ type: 'group', group: groupId, value: null });
    if (c.append(groupId, records) === ErrorCode.NONE) expired += records.length;
  }
  if (expired > 0) c.logger.info({ records: expired }, 'expired committed offsets');
  return expired;
}
