/** Helpers the assignors share. */
import type { TopicPartition } from '../../types.js';
import type { MemberSubscription } from '../types.js';

/**
 * Kafka's member order (MemberInfo.compareTo): static members first, by instance id, then the
 * others by member id. Sorting this way keeps a static member's range stable across restarts.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const compareTp = (a: TopicPartition, b: TopicPartition): number =>
  cmp(a.topic, b.topic) || a.partition - b.partition;

/** An empty assignment for every member, to fill in. */
export function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

/** Every existing partition of the topics some member subscribes to, sorted by topic then partition. */
export function allPartitions(
  members: readonly MemberSubscription[],
  counts: ReadonlyMap<string, number>,
): TopicPartition[] {
  const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => counts.has(t)).sort(cmp);
  return topics.flatMap((topic) =>
    Array.from({ length: counts.get(topic)! }, (_, partition) => ({ topic, partition })),
  );
}
