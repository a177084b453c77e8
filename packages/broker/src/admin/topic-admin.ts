/**
 * Topic creation and validation shared by CreateTopics, Metadata's auto-creation and
 * CreatePartitions: Kafka's naming rules, partition and replication checks, and topic configs.
 */
import { ErrorCode } from '@gregor/protocol';
import type { Broker } from '../broker.js';
import { assignReplicas } from '../controller/replica-assignment.js';
import { MetadataError } from '../metadata/embedded-metadata-store.js';
import type { TopicState } from '../metadata/metadata-store.js';

export interface AdminResult<T = undefined> {
  errorCode: number;
  errorMessage: string | null;
  value?: T;
}

const ok = <T>(value?: T): AdminResult<T> =>
  value === undefined
    ? { errorCode: ErrorCode.NONE, errorMessage: null }
    : { errorCode: ErrorCode.NONE, errorMessage: null, value };
export const failure = <T = undefined>(errorCode: number, errorMessage: string): AdminResult<T> => ({
  errorCode,
  errorMessage,
});

const MAX_TOPIC_NAME = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be '${name}'`;
  if (name.length > MAX_TOPIC_NAME) return `topic name is ${name.length} characters, more than ${MAX_TOPIC_NAME}`;
  if (!LEGAL.test(name))
    return `topic name '${name}' has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return undefined;
}

export { TOPIC_CONFIG_KEYS, topicConfigProblem } from './topic-config-defs.js';
import { topicConfigProblem } from './topic-config-defs.js';

export interface CreateTopicRequest {
  name: string;
  /** -1 takes num.partitions. */
  numPartitions: number;
  /** -1 takes default.replication.factor. */
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: Record<string, string>;
  validateOnly: boolean;
}

export async function createTopic(broker: Broker, req: CreateTopicRequest): Promise<AdminResult<TopicState | null>> {
  const nameProblem = topicNameProblem(req.name);
  if (nameProblem) return failure(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  const metadata = broker.metadata;
  if (metadata.topic(req.name)) return failure(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${req.name}' already exists`);
  const normalized = req.name.replace(/\./g, '_');
  const collision = metadata.topics().find((t) => t.name.replace(/\./g, '_') === normalized);
  if (collision)
    return failure(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `topic '${req.name}' collides with '${collision.name}' ('.' and '_' collide)`,
    );

  const brokers = metadata.brokers().map((b) => b.nodeId);
  let partitions = req.numPartitions;
  let replication = req.replicationFactor;
  let assignments: number[][] | undefined;
  if (req.assignments.length > 0) {
    if (partitions !== -1 || replication !== -1)
      return failure(
        ErrorCode.INVALID_REQUEST,
        'give either an assignment or partitions and replication factor, not both',
      );
    const sorted = [...req.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    if (sorted.some((a, i) => a.partitionIndex !== i))
      return failure(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'assigned partitions must be numbered 0..n-1');
    assignments = sorted.map((a) => a.brokerIds);
    const bad = assignments.flat().find((id) => !brokers.includes(id));
    if (bad !== undefined) return failure(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `broker ${bad} is not in the cluster`);
    if (assignments.some((r) => r.length === 0 || new Set(r).size !== r.length))
      return failure(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'each partition needs distinct replicas');
    partitions = assignments.length;
    replication = assignments[0]!.length;
  } else {
    if (partitions === -1) partitions = broker.config.int('num.partitions');
    if (replication === -1) replication = broker.config.int('default.replication.factor');
    if (partitions <= 0)
      return failure(ErrorCode.INVALID_PARTITIONS, `number of partitions must be positive, not ${partitions}`);
    if (replication <= 0)
      return failure(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be positive, not ${replication}`);
    if (replication > brokers.length)
      return failure(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `replication factor ${replication} is larger than the ${brokers.length} available broker(s)`,
      );
    // Kafka's placement: round-robin from a random start, followers shifted, racks interleaved.
    const placed = assignReplicas(
      metadata.brokers().map((b) => ({ nodeId: b.nodeId, rack: b.rack })),
      partitions,
      replication,
    );
    assignments = Array.from({ length: partitions }, (_, p) => placed.get(p)!);
  }
  const configProblem = topicConfigProblem(req.configs);
  if (configProblem) return failure(ErrorCode.INVALID_CONFIG, configProblem);
  if (req.validateOnly) return ok(null);
  let topic: TopicState;
  try {
    topic = await metadata.createTopic({
      name: req.name,
      partitions,
      replicationFactor: replication,
      configs: req.configs,
      assignments,
    });
  } catch (err) {
    // Nothing was kept (see EmbeddedMetadataStore): the client gets the reason, the broker goes on.
    if (!(err instanceof MetadataError)) throw err;
    broker.logger.error({ topic: req.name, partitions, err }, err.message);
    return failure(err.errorCode, err.message);
  }
  broker.logger.info({ topic: topic.name, partitions, topicId: topic.topicId }, 'created topic');
  return ok(topic);
}
