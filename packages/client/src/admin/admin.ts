/**
 * The admin client: topics, partitions, configs, records deletion, offsets, cluster, log
 * directories, and consumer groups with their committed offsets and lag. Every method throws a KafkaError (with the topic or resource) on the first
 * failed item.
 *
 * ```ts
 * const admin = new Admin({ brokers: ['localhost:9092'] });
 * await admin.createTopics([{ topic: 'orders', numPartitions: 3, configs: { 'retention.ms': '86400000' } }]);
 * await admin.close();
 * ```
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { Cluster } from '../cluster/cluster.js';
import { listOffsets as listOffsetsAt, OffsetTimestamp } from '../cluster/list-offsets.js';
import { resolveClientOptions, type ClientOptions } from '../cluster/options.js';
import { KafkaError } from '../errors.js';
import { tpKey, type IsolationLevel, isolationLevelCode, type TopicPartition } from '../types.js';
import { describeConfigs, incrementalAlterConfigs } from './configs.js';
import {
  alterGroupOffsets,
  deleteGroupOffsets,
  deleteGroups,
  describeGroups,
  groupLag,
  listGroupOffsets,
  listGroups,
  resetGroupOffsets,
} from './groups.js';
import * as replicas from './replicas.js';
import { createPartitions, createTopics, deleteTopics, describeTopics, listTopics, throwFirst } from './topics.js';
import type {
  AdminRequestOptions,
  ClusterDescription,
  ConfigChange,
  ConfigDescription,
  ConfigResource,
  CreatedTopic,
  ElectionType,
  GroupDescription,
  GroupListing,
  GroupOffset,
  GroupOffsetChange,
  GroupOffsetResetSpec,
  PartitionLag,
  LogDirDescription,
  NewTopic,
  OffsetQuerySpec,
  OngoingReassignment,
  PartitionOffset,
  PartitionReassignment,
  PartitionResult,
  TopicDescription,
} from './types.js';

export class Admin {
  readonly cluster: Cluster;

  constructor(options: ClientOptions) {
    this.cluster = new Cluster(resolveClientOptions(options), { allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  createTopics(topics: readonly NewTopic[], options?: AdminRequestOptions): Promise<CreatedTopic[]> {
    return createTopics(this.cluster, topics, options);
  }

  deleteTopics(topics: readonly string[], options?: AdminRequestOptions): Promise<void> {
    return deleteTopics(this.cluster, topics, options);
  }

  /** Topic names, sorted; internal topics only when asked. */
  listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    return listTopics(this.cluster, options.includeInternal);
  }

  /**
   * Each partition's leader, leader epoch, replicas, ISR and offline replicas. `null`: every topic
   * (internal ones included; topics with an error, e.g. still being created, left out).
   */
  describeTopics(topics: readonly string[] | null): Promise<TopicDescription[]> {
    return describeTopics(this.cluster, topics);
  }

  /** Grows topics to `count` partitions. */
  createPartitions(
    topics: readonly { topic: string; count: number; assignments?: readonly (readonly number[])[] }[],
    options?: AdminRequestOptions,
  ): Promise<void> {
    return createPartitions(this.cluster, topics, options);
  }

  /** Configs of topics and brokers; `includeSynonyms` adds where each value could come from, most specific first. */
  describeConfigs(
    resources: readonly ConfigResource[],
    options: { includeSynonyms?: boolean } = {},
  ): Promise<ConfigDescription[]> {
    return describeConfigs(this.cluster, resources, options.includeSynonyms);
  }

  incrementalAlterConfigs(changes: readonly ConfigChange[], options: { validateOnly?: boolean } = {}): Promise<void> {
    return incrementalAlterConfigs(this.cluster, changes, options.validateOnly);
  }

  /**
   * Deletes records before `offset` in each partition (-1: up to the high watermark); resolves
   * with the new log start offsets (low watermarks).
   */
  async deleteRecords(
    topic: string,
    partitions: readonly { partition: number; offset: number }[],
    options: AdminRequestOptions = {},
  ): Promise<{ partition: number; lowWatermark: number }[]> {
    await this.cluster.topic(topic);
    const byLeader = new Map<number, { partition: number; offset: number }[]>();
    for (const p of partitions) {
      const leader = this.cluster.leaderOf(topic, p.partition);
      if (leader === undefined)
        throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, null, { topic, partition: p.partition });
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(p);
    }
    const out: { partition: number; lowWatermark: number }[] = [];
    for (const [leader, list] of byLeader) {
      const conn = await this.cluster.connectionTo(leader);
      const res = await conn.send(ApiKey.DeleteRecords, {
        topics: [
          { name: topic, partitions: list.map((p) => ({ partitionIndex: p.partition, offset: BigInt(p.offset) })) },
        ],
        timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
      });
      for (const t of res.topics)
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE)
            throw new KafkaError(p.errorCode, 'DeleteRecords', { topic, partition: p.partitionIndex });
          out.push({ partition: p.partitionIndex, lowWatermark: Number(p.lowWatermark) });
        }
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /** Offsets of a topic's partitions (all by default) at the log start, end, max timestamp, or a time. */
  async listOffsets(
    topic: string,
    spec: OffsetQuerySpec,
    options: { partitions?: readonly number[]; isolationLevel?: IsolationLevel } = {},
  ): Promise<PartitionOffset[]> {
    const info = await this.cluster.topic(topic);
    const partitions = options.partitions ?? info.partitions.map((p) => p.partition);
    const timestamp =
      spec === 'earliest'
        ? OffsetTimestamp.Earliest
        : spec === 'latest'
          ? OffsetTimestamp.Latest
          : spec === 'max-timestamp'
            ? OffsetTimestamp.MaxTimestamp
            : spec.timestamp;
    const answers = await listOffsetsAt(
      this.cluster,
      partitions.map((partition) => ({ topic, partition, timestamp })),
      isolationLevelCode(options.isolationLevel ?? 'read_uncommitted'),
    );
    return partitions.map((partition) => {
      const a = answers.get(tpKey(topic, partition))!;
      return { partition, offset: a.offset, timestamp: a.timestamp };
    });
  }

  /** Cluster id, controller and brokers (DescribeCluster where supported, else Metadata). */
  async describeCluster(): Promise<ClusterDescription> {
    const conn = await this.cluster.anyConnection();
    if (conn.versionOf(ApiKey.DescribeCluster) !== undefined) {
      const res = await conn.send(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false });
      throwFirst(res.errorCode === ErrorCode.NONE ? [] : [{ code: res.errorCode, message: res.errorMessage }]);
      return {
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        brokers: res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
      };
    }
    const res = await this.cluster.fetchMetadata([]);
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    };
  }

  /**
   * Elects leaders (ElectLeaders, on the controller): `partitions` null or left out means every
   * partition. Resolves with one result per partition the broker reports; per-partition errors
   * (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, …) are
   * in the results, not thrown.
   */
  electLeaders(
    request: { type: ElectionType; partitions?: readonly TopicPartition[] | null },
    options?: AdminRequestOptions,
  ): Promise<PartitionResult[]> {
    return replicas.electLeaders(this.cluster, request.type, request.partitions ?? null, options);
  }

  /**
   * Moves partitions to new replica lists (AlterPartitionReassignments, on the controller);
   * `replicas: null` cancels a partition's ongoing reassignment. Per-partition errors are in the results.
   */
  alterPartitionReassignments(
    reassignments: readonly PartitionReassignment[],
    options?: AdminRequestOptions,
  ): Promise<PartitionResult[]> {
    return replicas.alterPartitionReassignments(this.cluster, reassignments, options);
  }

  /** Reassignments in progress (of `partitions`, default all), with the replicas being added and removed. */
  listPartitionReassignments(
    partitions?: readonly TopicPartition[],
    options?: AdminRequestOptions,
  ): Promise<OngoingReassignment[]> {
    return replicas.listPartitionReassignments(this.cluster, partitions, options);
  }

  /** Every broker's log directories with the size of each partition (of `topics`, default all). */
  async describeLogDirs(
    topics?: readonly { topic: string; partitions: readonly number[] }[],
  ): Promise<LogDirDescription[]> {
    await this.cluster.refreshMetadata();
    const out: LogDirDescription[] = [];
    for (const nodeId of this.cluster.metadata.brokers.keys()) {
      const conn = await this.cluster.connectionTo(nodeId);
      const res = await conn.send(ApiKey.DescribeLogDirs, {
        topics: topics ? topics.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })) : null,
      });
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, `DescribeLogDirs on broker ${nodeId}`);
      for (const d of res.results)
        out.push({
          broker: nodeId,
          logDir: d.logDir,
          errorCode: d.errorCode,
          totalBytes: Number(d.totalBytes),
          usableBytes: Number(d.usableBytes),
          partitions: d.topics.flatMap((t) =>
            t.partitions.map((p) => ({
              topic: t.name,
              partition: p.partitionIndex,
              size: Number(p.partitionSize),
              offsetLag: Number(p.offsetLag),
              isFuture: p.isFutureKey,
            })),
          ),
        });
    }
    return out;
  }

  /** Consumer groups of every broker, optionally only in some states ('Stable', 'Empty', …) or of some types ('classic', 'consumer'). */
  listGroups(filter: { states?: readonly string[]; types?: readonly string[] } = {}): Promise<GroupListing[]> {
    return listGroups(this.cluster, filter);
  }

  /** State, assignor and members (with decoded assignments) of each group. */
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return describeGroups(this.cluster, groupIds);
  }

  /** Deletes empty groups and their committed offsets. */
  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return deleteGroups(this.cluster, groupIds);
  }

  /** A group's committed offsets (of `topics`, default all it has). */
  listGroupOffsets(groupId: string, topics?: readonly string[]): Promise<GroupOffset[]> {
    return listGroupOffsets(this.cluster, groupId, topics);
  }

  /** Moves an empty group's committed offsets of `topic` (all partitions, or `partitions`); returns them. */
  resetGroupOffsets(
    groupId: string,
    topic: string,
    spec: GroupOffsetResetSpec,
    partitions?: readonly number[],
  ): Promise<{ partition: number; offset: number }[]> {
    return resetGroupOffsets(this.cluster, groupId, topic, spec, partitions);
  }

  /** Stores these committed offsets for an empty group in one commit (Kafka's alterConsumerGroupOffsets). */
  alterGroupOffsets(groupId: string, offsets: readonly GroupOffsetChange[]): Promise<void> {
    return alterGroupOffsets(this.cluster, groupId, offsets);
  }

  /** Deletes a group's committed offsets of `topic` (all partitions, or `partitions`). */
  deleteGroupOffsets(groupId: string, topic: string, partitions?: readonly number[]): Promise<void> {
    return deleteGroupOffsets(this.cluster, groupId, topic, partitions);
  }

  /** Committed offset, log end offset and lag of every partition the group has committed (of `topics`). */
  groupLag(groupId: string, topics?: readonly string[]): Promise<PartitionLag[]> {
    return groupLag(this.cluster, groupId, topics);
  }

  async close(): Promise<void> {
    this.cluster.close();
    return Promise.resolve();
  }
}
