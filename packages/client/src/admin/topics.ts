/** Topic administration: CreateTopics, DeleteTopics, CreatePartitions, Metadata-based listing. */
import { ApiKey, ErrorCode, ZERO_UUID, type DeleteTopicsRequestInput } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { KafkaError } from '../errors.js';
import type { AdminRequestOptions, CreatedTopic, NewTopic, TopicDescription } from './types.js';

/** Throws the first per-item error, naming every failed item. */
export function throwFirst(failures: readonly { code: number; message: string | null; topic?: string }[]): void {
  const first = failures[0];
  if (!first) return;
  const others =
    failures.length > 1
      ? ` (and ${failures.length - 1} more: ${failures
          .slice(1)
          .map((f) => f.topic)
          .join(', ')})`
      : '';
  throw new KafkaError(
    first.code,
    `${first.message ?? ''}${others}`,
    first.topic === undefined ? {} : { topic: first.topic },
  );
}

export async function createTopics(
  cluster: Cluster,
  topics: readonly NewTopic[],
  options: AdminRequestOptions = {},
): Promise<CreatedTopic[]> {
  const conn = await cluster.controllerConnection();
  const res = await conn.send(ApiKey.CreateTopics, {
    topics: topics.map((t) => ({
      name: t.topic,
      numPartitions: t.assignments ? -1 : (t.numPartitions ?? -1),
      replicationFactor: t.assignments ? -1 : (t.replicationFactor ?? -1),
      assignments: (t.assignments ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: [...a.replicas] })),
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: options.timeoutMs ?? cluster.options.requestTimeoutMs,
    validateOnly: options.validateOnly ?? false,
  });
  throwFirst(
    res.topics
      .filter((t) => t.errorCode !== ErrorCode.NONE)
      .map((t) => ({ code: t.errorCode, message: t.errorMessage, topic: t.name })),
  );
  return res.topics.map((t) => ({
    topic: t.name,
    topicId: t.topicId,
    numPartitions: t.numPartitions,
    replicationFactor: t.replicationFactor,
  }));
}

export async function deleteTopics(
  cluster: Cluster,
  names: readonly string[],
  options: AdminRequestOptions = {},
): Promise<void> {
  const conn = await cluster.controllerConnection();
  const timeoutMs = options.timeoutMs ?? cluster.options.requestTimeoutMs;
  const res = await conn.send(ApiKey.DeleteTopics, (version): DeleteTopicsRequestInput =>
    version >= 6
      ? { topics: names.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs }
      : { topicNames: [...names], timeoutMs },
  );
  throwFirst(
    res.responses
      .filter((t) => t.errorCode !== ErrorCode.NONE)
      .map((t) => ({ code: t.errorCode, message: t.errorMessage, topic: t.name ?? t.topicId })),
  );
  for (const name of names) cluster.forget(name);
}

export async function createPartitions(
  cluster: Cluster,
  topics: readonly { topic: string; count: number; assignments?: readonly (readonly number[])[] }[],
  options: AdminRequestOptions = {},
): Promise<void> {
  const conn = await cluster.controllerConnection();
  const res = await conn.send(ApiKey.CreatePartitions, {
    topics: topics.map((t) => ({
      name: t.topic,
      count: t.count,
      assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds: [...brokerIds] })) : null,
    })),
    timeoutMs: options.timeoutMs ?? cluster.options.requestTimeoutMs,
    validateOnly: options.validateOnly ?? false,
  });
  throwFirst(
    res.results
      .filter((t) => t.errorCode !== ErrorCode.NONE)
      .map((t) => ({ code: t.errorCode, message: t.errorMessage, topic: t.name })),
  );
}

export async function listTopics(cluster: Cluster, includeInternal = false): Promise<string[]> {
  const res = await cluster.fetchMetadata(null);
  return res.topics
    .filter((t) => t.name !== null && t.errorCode === ErrorCode.NONE && (includeInternal || !t.isInternal))
    .map((t) => t.name!)
    .sort();
}

/** Named topics must all exist; `null` (every topic) skips those in error, such as one being created. */
export async function describeTopics(cluster: Cluster, names: readonly string[] | null): Promise<TopicDescription[]> {
  const res = await cluster.fetchMetadata(names);
  const failed = res.topics.filter((t) => t.errorCode !== ErrorCode.NONE);
  if (names !== null) throwFirst(failed.map((t) => ({ code: t.errorCode, message: null, topic: t.name ?? '' })));
  const described = res.topics.filter((t) => t.errorCode === ErrorCode.NONE && t.name !== null);
  return described.map((t) => ({
    topic: t.name!,
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions
      .map((p) => ({
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
      }))
      .sort((a, b) => a.partition - b.partition),
  }));
}
