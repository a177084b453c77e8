/** The admin client's public types. */
import type { KafkaError } from '../errors.js';
import type { TopicPartition } from '../types.js';

export interface NewTopic {
  topic: string;
  /** Default: the broker's `num.partitions` (-1). */
  numPartitions?: number;
  /** Default: the broker's `default.replication.factor` (-1). */
  replicationFactor?: number;
  /** Explicit replicas per partition (instead of numPartitions/replicationFactor). */
  assignments?: readonly { partition: number; replicas: readonly number[] }[];
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  topic: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicDescription {
  topic: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
}

export type ConfigResourceType = 'topic' | 'broker';

export interface ConfigResource {
  type: ConfigResourceType;
  /** Topic name, or broker id as a string. */
  name: string;
  /** Only these keys; default all. */
  keys?: readonly string[];
}

export type ConfigSource =
  | 'unknown'
  | 'dynamic-topic'
  | 'dynamic-broker'
  | 'dynamic-default-broker'
  | 'static-broker'
  | 'default'
  | 'dynamic-broker-logger';

/** Where a value could come from, most specific first (DescribeConfigs v1+, when asked for). */
export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  /** Empty unless `includeSynonyms` was asked for. */
  synonyms: ConfigSynonym[];
}

export interface ConfigDescription {
  type: ConfigResourceType;
  name: string;
  configs: ConfigEntry[];
}

export interface ConfigChange {
  type: ConfigResourceType;
  name: string;
  ops: readonly { name: string; op: 'set' | 'delete' | 'append' | 'subtract'; value?: string | null }[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
}

export interface LogDirDescription {
  broker: number;
  logDir: string;
  /** Error code of the directory (0 when healthy). */
  errorCode: number;
  totalBytes: number;
  usableBytes: number;
  partitions: { topic: string; partition: number; size: number; offsetLag: number; isFuture: boolean }[];
}

/** ListOffsets targets: the log start, the end, the record with the highest timestamp, or the first at or after a time. */
export type OffsetQuerySpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

export interface PartitionOffset {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface AdminRequestOptions {
  /** How long the broker may take (Kafka's request `timeoutMs`). Default: the client's request timeout. */
  timeoutMs?: number;
  validateOnly?: boolean;
}

export interface GroupListing {
  groupId: string;
  /** 'consumer' for consumer groups (classic or KIP-848), '' for a group that never had members. */
  protocolType: string;
  /** e.g. 'Stable', 'Empty', 'PreparingRebalance' (classic), 'Reconciling' (KIP-848). */
  state: string;
  /** 'classic' or 'consumer' (brokers with ListGroups v5+; '' before). */
  type: string;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded from the consumer protocol (empty while rebalancing, and for KIP-848 groups). */
  assignment: { topic: string; partition: number }[];
  subscription: string[];
}

export interface GroupDescription {
  groupId: string;
  /** 'Dead' for a group that does not exist. */
  state: string;
  protocolType: string;
  /** The assignor the group agreed on (classic groups, when stable). */
  protocol: string;
  /** Node id of the group's coordinator (the broker that answered). */
  coordinator: number;
  members: GroupMemberDescription[];
}

export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

/** Where to move a group's offsets: the log start or end, an offset, or the first record at or after a time. */
export type GroupOffsetResetSpec = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

/** A committed offset to store for a group (AlterConsumerGroupOffsets). */
export interface GroupOffsetChange {
  topic: string;
  partition: number;
  offset: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  /** The high watermark. */
  logEndOffset: number;
  /** logEndOffset - committed. */
  lag: number;
}

/** ElectLeaders: the preferred replica (the first of the replica list), or any live replica when no ISR member is (may lose data). */
export type ElectionType = 'preferred' | 'unclean';

/**
 * One partition's outcome of an election or a reassignment: `error` is null on success, else
 * the partition's Kafka error (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
 * ELIGIBLE_LEADERS_NOT_AVAILABLE, NO_REASSIGNMENT_IN_PROGRESS, …), as data: one failed partition
 * does not fail the others.
 */
export interface PartitionResult extends TopicPartition {
  error: KafkaError | null;
}

/** A partition's target replicas (the first is the preferred leader), or null to cancel its ongoing reassignment. */
export interface PartitionReassignment extends TopicPartition {
  replicas: readonly number[] | null;
}

/** A reassignment in progress: the full replica set now, and the replicas being added and removed. */
export interface OngoingReassignment extends TopicPartition {
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}
