/**
 * Metadata (3), v0-12: brokers, cluster id, controller, and per topic its id and partitions
 * (leader, leader epoch, replicas, ISR). Unknown topics are created when auto-creation is on
 * and the client allows it (always before v4).
 */
import { ApiKey, ErrorCode, ZERO_UUID, type MetadataResponseTopicInput } from '@gregor/protocol';
import { createTopic, topicNameProblem } from '../admin/topic-admin.js';
import type { Broker } from '../broker.js';
import type { TopicState } from '../metadata/metadata-store.js';
import { defineHandler } from './handler.js';

const UNKNOWN_OPERATIONS = -2147483648;

function describeTopic(topic: TopicState): MetadataResponseTopicInput {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    partitions: topic.partitions.map((p) => ({
      // Kafka lists a partition without a live leader with LEADER_NOT_AVAILABLE and leader -1.
      errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: p.offlineReplicas ?? [],
    })),
    topicAuthorizedOperations: UNKNOWN_OPERATIONS,
  };
}

const topicError = (errorCode: number, name: string | null, topicId = ZERO_UUID): MetadataResponseTopicInput => ({
  errorCode,
  name,
  topicId,
  isInternal: false,
  partitions: [],
  topicAuthorizedOperations: UNKNOWN_OPERATIONS,
});

async function lookUp(broker: Broker, name: string, autoCreate: boolean): Promise<MetadataResponseTopicInput> {
  const existing = broker.metadata.topic(name);
  if (existing) return describeTopic(existing);
  if (topicNameProblem(name)) return topicError(ErrorCode.INVALID_TOPIC_EXCEPTION, name);
  if (!autoCreate) return topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
  const created = await createTopic(broker, {
    name,
    numPartitions: -1,
    replicationFactor: -1,
    assignments: [],
    configs: {},
    validateOnly: false,
  });
  if (created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
    const raced = broker.metadata.topic(name);
    if (raced) return describeTopic(raced);
  }
  return created.value ? describeTopic(created.value) : topicError(created.errorCode, name);
}

export default defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const autoCreate =
      broker.config.bool('auto.create.topics.enable') && (apiVersion < 4 || req.allowAutoTopicCreation);
    // v0 asks for every topic with an empty list; later versions with null.
    const all = req.topics === null || (apiVersion === 0 && req.topics.length === 0);
    let topics: MetadataResponseTopicInput[];
    if (all) topics = broker.metadata.topics().map(describeTopic);
    else {
      topics = [];
      for (const t of req.topics ?? []) {
        if (t.name !== null) topics.push(await lookUp(broker, t.name, autoCreate));
        else {
          const byId = broker.metadata.topicById(t.topicId);
          topics.push(byId ? describeTopic(byId) : topicError(ErrorCode.UNKNOWN_TOPIC_ID, null, t.topicId));
        }
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: broker.metadata.brokers(),
      clusterId: broker.clusterId,
      controllerId: broker.metadata.controllerId(),
      topics,
      clusterAuthorizedOperations: UNKNOWN_OPERATIONS,
    };
  },
});
