/**
 * Committed offsets at the group coordinator: OffsetCommit (from a member, with its generation
 * or KIP-848 member epoch so the coordinator can fence zombies; or from the admin with none,
 * which only an empty group accepts) and OffsetFetch. Coordinator moves and loading are retried
 * until the request timeout; every other error is thrown as a KafkaError for its partition.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { KafkaError } from '../errors.js';
import { tpKey, type TopicPartition } from '../types.js';
import { backoffMs, sleep } from '../util/async.js';
import type { OffsetAndMetadata } from '../consumer/group-membership.js';
import type { GroupCoordinator } from './coordinator.js';

export interface MemberIdentity {
  /** Classic generation, or KIP-848 member epoch; -1 for a commit from outside the group. */
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const NO_MEMBER: MemberIdentity = { generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null };

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

/** Codes that retry against the coordinator (after rediscovering it when it moved). */
const retriable = (coordinator: GroupCoordinator, code: number): boolean =>
  coordinator.shouldRetry(code) || code === ErrorCode.UNSTABLE_OFFSET_COMMIT;

async function withRetries<T>(
  coordinator: GroupCoordinator,
  timeoutMs: number,
  attemptOnce: () => Promise<{ done: T } | { retry: KafkaError }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    let error: KafkaError;
    try {
      const r = await attemptOnce();
      if ('done' in r) return r.done;
      error = r.retry;
    } catch (e) {
      if (!(e instanceof KafkaError) || !retriable(coordinator, e.code)) throw e;
      error = e;
    }
    if (Date.now() >= deadline) throw error;
    await sleep(backoffMs(attempt, 100, 1_000));
  }
}

export function commitOffsets(
  coordinator: GroupCoordinator,
  offsets: readonly OffsetAndMetadata[],
  member: MemberIdentity,
  timeoutMs: number,
): Promise<void> {
  let pending = [...offsets];
  if (pending.length === 0) return Promise.resolve();
  return withRetries(coordinator, timeoutMs, async () => {
    const topics = [...new Set(pending.map((o) => o.topic))];
    const res = await coordinator.send(ApiKey.OffsetCommit, {
      groupId: coordinator.groupId,
      generationIdOrMemberEpoch: member.generationIdOrMemberEpoch,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      retentionTimeMs: -1n,
      topics: topics.map((name) => ({
        name,
        partitions: pending
          .filter((o) => o.topic === name)
          .map((o) => ({
            partitionIndex: o.partition,
            committedOffset: BigInt(o.offset),
            committedLeaderEpoch: o.leaderEpoch ?? -1,
            committedMetadata: o.metadata ?? '',
          })),
      })),
    });
    const failed: OffsetAndMetadata[] = [];
    let retry: KafkaError | null = null;
    for (const t of res.topics)
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NONE) continue;
        const error = new KafkaError(p.errorCode, `OffsetCommit for group ${coordinator.groupId}`, {
          topic: t.name,
          partition: p.partitionIndex,
        });
        if (!retriable(coordinator, p.errorCode)) throw error;
        retry = error;
        failed.push(pending.find((o) => o.topic === t.name && o.partition === p.partitionIndex)!);
      }
    pending = failed;
    return retry ? { retry } : { done: undefined };
  });
}

/**
 * The group's committed offsets of `partitions` (null: all the group has), keyed by `tpKey`;
 * partitions without one are absent. `requireStable` waits out pending transactional commits.
 */
export function fetchCommitted(
  coordinator: GroupCoordinator,
  partitions: readonly TopicPartition[] | null,
  timeoutMs: number,
): Promise<Map<string, TopicPartition & CommittedOffset>> {
  return withRetries(coordinator, timeoutMs, async () => {
    const topics =
      partitions === null
        ? null
        : [...new Set(partitions.map((p) => p.topic))].map((name) => ({
            name,
            partitionIndexes: partitions.filter((p) => p.topic === name).map((p) => p.partition),
          }));
    const res = await coordinator.send(ApiKey.OffsetFetch, {
      groupId: coordinator.groupId,
      topics,
      requireStable: true,
    });
    const what = `OffsetFetch for group ${coordinator.groupId}`;
    if (res.errorCode !== ErrorCode.NONE) {
      const error = new KafkaError(res.errorCode, what);
      if (retriable(coordinator, res.errorCode)) return { retry: error };
      throw error;
    }
    const out = new Map<string, TopicPartition & CommittedOffset>();
    for (const t of res.topics)
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) {
          const error = new KafkaError(p.errorCode, what, { topic: t.name, partition: p.partitionIndex });
          if (retriable(coordinator, p.errorCode)) return { retry: error };
          throw error;
        }
        if (p.committedOffset < 0n) continue;
        out.set(tpKey(t.name, p.partitionIndex), {
          topic: t.name,
          partition: p.partitionIndex,
          offset: Number(p.committedOffset),
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.metadata,
        });
      }
    return { done: out };
  });
}
