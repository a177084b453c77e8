/**
 * Replica administration, sent to the controller as Kafka's admin client does: ElectLeaders (43),
 * AlterPartitionReassignments (45) and ListPartitionReassignments (46). The controller is the one
 * Metadata names; a broker that is no longer it answers NOT_CONTROLLER, and the call refreshes
 * metadata and tries again (until the request timeout), as after a lost connection to it.
 * Per-partition outcomes are returned as data; only a failure of the whole request throws.
 */
import { ApiKey, ErrorCode, type ApiKeyNumber } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { ConnectionError, KafkaError, UnsupportedVersionError } from '../errors.js';
import type { BrokerConnection } from '../network/connection.js';
import { backoffMs, sleep } from '../util/async.js';
import type {
  AdminRequestOptions,
  ElectionType,
  OngoingReassignment,
  PartitionReassignment,
  PartitionResult,
} from './types.js';
import type { TopicPartition } from '../types.js';

/** How much longer than the broker's own `timeoutMs` we wait for its answer to arrive. */
const RESPONSE_MARGIN_MS = 5_000;

const ELECTION_TYPE = { preferred: 0, unclean: 1 } as const;

/** Partitions grouped by topic, in first-seen order. */
function byTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    let list = out.get(item.topic);
    if (!list) out.set(item.topic, (list = []));
    list.push(item);
  }
  return out;
}

const byTopicPartition = (a: TopicPartition, b: TopicPartition) =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

function resultOf(topic: string, partition: number, code: number, message: string | null): PartitionResult {
  return {
    topic,
    partition,
    error: code === ErrorCode.NONE ? null : new KafkaError(code, message, { topic, partition }),
  };
}

/**
 * Runs `call` against the controller. NOT_CONTROLLER (the controller moved) and a lost connection
 * to it refresh the metadata and try again with backoff until the request timeout.
 */
async function withController<T>(cluster: Cluster, call: (conn: BrokerConnection) => Promise<T>): Promise<T> {
  const { requestTimeoutMs, retryBackoffMs, retryBackoffMaxMs } = cluster.options;
  const deadline = Date.now() + requestTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(await cluster.controllerConnection());
    } catch (e) {
      const movable = e instanceof KafkaError && (e.code === ErrorCode.NOT_CONTROLLER || e instanceof ConnectionError);
      if (!movable || Date.now() >= deadline) throw e;
    }
    await sleep(backoffMs(attempt, retryBackoffMs, retryBackoffMaxMs));
    await cluster.refreshMetadata();
  }
}

function notController(conn: BrokerConnection, apiKey: ApiKeyNumber): KafkaError {
  return new KafkaError(ErrorCode.NOT_CONTROLLER, `API ${apiKey}`, { broker: conn.address });
}

/**
 * Elects leaders of `partitions` (null: every partition, as Kafka's null). Preferred: the first
 * replica becomes leader where it is in the ISR; unclean: a live replica outside the ISR may
 * become leader of a partition that has none (needs ElectLeaders v1, Kafka 2.4+).
 */
export async function electLeaders(
  cluster: Cluster,
  type: ElectionType,
  partitions: readonly TopicPartition[] | null,
  options: AdminRequestOptions = {},
): Promise<PartitionResult[]> {
  const timeoutMs = options.timeoutMs ?? cluster.options.requestTimeoutMs;
  return withController(cluster, async (conn) => {
    const version = conn.versionOf(ApiKey.ElectLeaders);
    if (type === 'unclean' && version === 0)
      throw new UnsupportedVersionError(conn.address, 'unclean leader election needs ElectLeaders v1 or later');
    const res = await conn.send(
      ApiKey.ElectLeaders,
      {
        electionType: ELECTION_TYPE[type],
        topicPartitions:
          partitions === null
            ? null
            : [...byTopic(partitions)].map(([topic, list]) => ({ topic, partitions: list.map((p) => p.partition) })),
        timeoutMs,
      },
      { timeoutMs: timeoutMs + RESPONSE_MARGIN_MS },
    );
    const results = res.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((p) => resultOf(t.topic, p.partitionId, p.errorCode, p.errorMessage)),
    );
    // v0 has no top-level error: a broker that is not the controller fails every partition instead.
    const allNotController = results.length > 0 && results.every((r) => r.error?.code === ErrorCode.NOT_CONTROLLER);
    if (res.errorCode === ErrorCode.NOT_CONTROLLER || allNotController) throw notController(conn, ApiKey.ElectLeaders);
    if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, 'ElectLeaders', { broker: conn.address });
    return results.sort(byTopicPartition);
  });
}

/** Starts (or, with `replicas: null`, cancels) reassignments; one result per partition asked for. */
export async function alterPartitionReassignments(
  cluster: Cluster,
  reassignments: readonly PartitionReassignment[],
  options: AdminRequestOptions = {},
): Promise<PartitionResult[]> {
  const timeoutMs = options.timeoutMs ?? cluster.options.requestTimeoutMs;
  return withController(cluster, async (conn) => {
    const res = await conn.send(
      ApiKey.AlterPartitionReassignments,
      {
        timeoutMs,
        topics: [...byTopic(reassignments)].map(([name, list]) => ({
          name,
          partitions: list.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas ? [...p.replicas] : null })),
        })),
      },
      { timeoutMs: timeoutMs + RESPONSE_MARGIN_MS },
    );
    if (res.errorCode === ErrorCode.NOT_CONTROLLER) throw notController(conn, ApiKey.AlterPartitionReassignments);
    if (res.errorCode !== ErrorCode.NONE)
      throw new KafkaError(res.errorCode, res.errorMessage ?? 'AlterPartitionReassignments', { broker: conn.address });
    return res.responses
      .flatMap((t) => t.partitions.map((p) => resultOf(t.name, p.partitionIndex, p.errorCode, p.errorMessage)))
      .sort(byTopicPartition);
  });
}

/** Reassignments in progress, of `partitions` (default: all). */
export async function listPartitionReassignments(
  cluster: Cluster,
  partitions?: readonly TopicPartition[],
  options: AdminRequestOptions = {},
): Promise<OngoingReassignment[]> {
  const timeoutMs = options.timeoutMs ?? cluster.options.requestTimeoutMs;
  return withController(cluster, async (conn) => {
    const res = await conn.send(
      ApiKey.ListPartitionReassignments,
      {
        timeoutMs,
        topics:
          partitions === undefined
            ? null
            : [...byTopic(partitions)].map(([name, list]) => ({
                name,
                partitionIndexes: list.map((p) => p.partition),
              })),
      },
      { timeoutMs: timeoutMs + RESPONSE_MARGIN_MS },
    );
    if (res.errorCode === ErrorCode.NOT_CONTROLLER) throw notController(conn, ApiKey.ListPartitionReassignments);
    if (res.errorCode !== ErrorCode.NONE)
      throw new KafkaError(res.errorCode, res.errorMessage ?? 'ListPartitionReassignments', { broker: conn.address });
    return res.topics
      .flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          replicas: p.replicas,
          addingReplicas: p.addingReplicas,
          removingReplicas: p.removingReplicas,
        })),
      )
      .sort(byTopicPartition);
  });
}
