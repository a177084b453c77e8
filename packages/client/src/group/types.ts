/** Public types of consumer groups: rebalance listeners, assignors, options. */
import type { TopicPartition } from '../types.js';

/**
 * Called around assignment changes, from inside `poll()` (so `commit()` and `seek()` may be
 * used in them). Revoked partitions are still assigned while `onPartitionsRevoked` runs; lost
 * ones (the membership was fenced or expired) may already belong to another member, so their
 * offsets must not be committed. Without `onPartitionsLost`, `onPartitionsRevoked` is called.
 */
export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** A member's subscription as the group leader sees it (ConsumerProtocolSubscription). */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  /** What the member owned when it joined (cooperative rebalancing; empty under eager). */
  ownedPartitions: TopicPartition[];
  /** The generation `ownedPartitions` is from, -1 when unknown. */
  generation: number;
  userData: Buffer | null;
  rackId: string | null;
}

/** 'eager' revokes every partition before each rebalance; 'cooperative' only those that move (KIP-429). */
export type RebalanceProtocol = 'eager' | 'cooperative';

/**
 * A client-side partition assignor (Kafka's ConsumerPartitionAssignor). The leader runs the one
 * the group agreed on over every member's subscription; `partitions` gives each subscribed
 * topic's partition count (topics missing from it do not exist).
 */
export interface PartitionAssignor {
  /** The protocol name members agree on in JoinGroup, e.g. `range`. */
  readonly name: string;
  /** Protocols it can run under; the consumer uses cooperative only if every configured assignor supports it. */
  readonly protocols: readonly RebalanceProtocol[];
  assign(
    members: readonly MemberSubscription[],
    partitions: ReadonlyMap<string, number>,
  ): Map<string, TopicPartition[]>;
}

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';

/** Which group protocol: 'classic' (JoinGroup/SyncGroup, client-side assignors) or 'consumer' (KIP-848). */
export type GroupProtocol = 'classic' | 'consumer';

/** What a group subscribes to: topic names, or a pattern matched against every topic (`RegExp.test`). */
export type SubscriptionSpec = readonly string[] | RegExp;

export interface GroupOptions {
  /** The consumer group (`group.id`); required for `subscribe` and `commit`. */
  groupId?: string;
  /** Static membership (`group.instance.id`): a restart within the session timeout keeps the assignment. */
  groupInstanceId?: string;
  /** Default 'classic'. */
  groupProtocol?: GroupProtocol;
  /** Classic: the member is removed after this long without a heartbeat. Default 45 000. */
  sessionTimeoutMs?: number;
  /** Classic: heartbeat period. Default 3 000 (KIP-848: the broker decides). */
  heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin (Kafka's `max.poll.interval.ms`). Default 300 000. */
  rebalanceTimeoutMs?: number;
  /** Classic: assignors in order of preference. Default ['range', 'cooperative-sticky'], as Kafka. */
  assignors?: readonly (AssignorName | PartitionAssignor)[];
  /** KIP-848: the server-side assignor to ask for (`group.remote.assignor`), e.g. 'uniform' or 'range'. */
  groupRemoteAssignor?: string;
  /** Commit positions every `autoCommitIntervalMs`, on revocation and on close. Default true. */
  autoCommit?: boolean;
  /** Default 5 000. */
  autoCommitIntervalMs?: number;
}

export interface ResolvedGroupOptions {
  groupId: string;
  groupInstanceId: string | null;
  groupProtocol: GroupProtocol;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  assignors: PartitionAssignor[];
  groupRemoteAssignor: string | null;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
}
