/**
 * The seam where consumer-group membership plugs into the consumer. The consumer itself only
 * knows assigned partitions and positions (manual assignment); a membership (classic
 * JoinGroup/SyncGroup/Heartbeat with client-side assignors in group/classic-membership.ts, or
 * KIP-848's ConsumerGroupHeartbeat in group/consumer-membership.ts) decides the assignment and
 * owns committed offsets.
 *
 * The consumer calls `poll` at the start of every `poll()` (the liveness point Kafka's
 * `max.poll.interval.ms` is about). The membership joins or rejoins there and applies
 * assignment changes through the host: `revoked` before the partitions go to another member
 * (after committing them when auto commit is on), `assigned` once they are ours (they start at
 * their committed offset, from `committed`, or by `autoOffsetReset`). Rebalance listeners run
 * inside those host calls, so they run inside `poll()`, as in Kafka.
 */
import type { TopicPartition } from '../types.js';
import type { SubscriptionSpec } from '../group/types.js';

export interface OffsetAndMetadata extends TopicPartition {
  /** The next offset to consume (Kafka commits the position, not the last record). */
  offset: number;
  metadata?: string;
  /** The leader epoch of the last record consumed, so a reader can detect log truncation. */
  leaderEpoch?: number;
}

/** What a membership sees of the consumer. */
export interface MembershipHost {
  /** The positions of the owned partitions, for commits (auto-commit, commit on revoke). */
  positions(): OffsetAndMetadata[];
  /** Partitions now owned: start fetching them and run `onPartitionsAssigned`. */
  assigned(partitions: TopicPartition[]): Promise<void>;
  /**
   * Partitions no longer owned: run `onPartitionsRevoked` (or `onPartitionsLost` when `lost`:
   * the membership was fenced and another member may own them already), then stop fetching them.
   */
  revoked(partitions: TopicPartition[], lost: boolean): Promise<void>;
  /** Makes a waiting `poll()` return to the membership now (a rebalance started). */
  wakeup(): void;
}

/** What `close()` does about the group (KIP-1092's GroupMembershipOperation). */
export type LeaveMode = 'leave' | 'remain' | 'default';

export interface GroupMetadata {
  groupId: string;
  memberId: string;
  /** Classic generation or KIP-848 member epoch; -1 when not in the group. */
  generationId: number;
  groupInstanceId: string | null;
}

export interface GroupMembership {
  readonly groupId: string;
  /** Joins or rejoins when needed, keeps the session alive, applies assignment changes through `host`. */
  poll(host: MembershipHost): Promise<void>;
  /** Committed offsets of partitions (null where the group has none), keyed by `tpKey`. */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>>;
  commit(offsets: readonly OffsetAndMetadata[]): Promise<void>;
  /** Changes what the member subscribes to; the next `poll` rejoins. */
  subscribe(spec: SubscriptionSpec): void;
  /** The member's identity in the group. */
  metadata(): GroupMetadata;
  /**
   * Commits (auto commit), revokes every partition and leaves the group: 'leave' always sends
   * the leave request, 'remain' never (the session times out), 'default' leaves unless the member
   * is static (`groupInstanceId`), as Kafka's consumer does.
   */
  leave(host: MembershipHost, mode: LeaveMode): Promise<void>;
}
