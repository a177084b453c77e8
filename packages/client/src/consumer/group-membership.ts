/**
 * The seam where consumer-group membership plugs into the consumer. The consumer itself only
 * knows assigned partitions and positions (manual assignment); a membership implementation
 * (classic JoinGroup/SyncGroup/Heartbeat with client-side assignors, or KIP-848's
 * ConsumerGroupHeartbeat) decides the assignment, and owns committed offsets.
 *
 * The consumer calls `poll` at the start of every `poll()` (the liveness point Kafka's
 * `max.poll.interval.ms` is about), applies the change it returns (revoked partitions are
 * removed, assigned ones start at their committed offset or `autoOffsetReset`), and routes
 * `commit` and `committed` through it.
 */
import type { TopicPartition } from '../types.js';

export interface AssignmentChange {
  /** Partitions no longer owned; the consumer stops fetching them (listeners run first). */
  revoked: TopicPartition[];
  /** Partitions newly owned. */
  assigned: TopicPartition[];
}

export interface OffsetAndMetadata extends TopicPartition {
  /** The next offset to consume (Kafka commits the position, not the last record). */
  offset: number;
  metadata?: string;
  leaderEpoch?: number;
}

/** What a membership sees of the consumer. */
export interface MembershipHost {
  /** The positions of the owned partitions, for commits (auto-commit, commit on revoke). */
  positions(): OffsetAndMetadata[];
}

export interface GroupMembership {
  readonly groupId: string;
  /** Joins or rejoins when needed, keeps the session alive; returns a change to apply, or null. */
  poll(host: MembershipHost): Promise<AssignmentChange | null>;
  /** Committed offsets of partitions (null where the group has none). */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>>;
  commit(offsets: readonly OffsetAndMetadata[]): Promise<void>;
  /** Leaves the group (on close). */
  leave(): Promise<void>;
}
