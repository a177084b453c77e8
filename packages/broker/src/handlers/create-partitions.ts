/**
 * CreatePartitions (37), v0-3: grows topics to a new partition count, with the new partitions'
 * replicas given explicitly (one assignment per new partition, the topic's replication factor,
 * distinct known brokers) or spread over the brokers. INVALID_PARTITIONS when the count is not
 * larger, UNKNOWN_TOPIC_OR_PARTITION for a missing topic, INVALID_REQUEST for a topic named
 * twice; validateOnly checks without creating.
 */
import { ApiKey, ErrorCode, type CreatePartitionsRequestCreatePartitionsTopic } from '@gregor/protocol';
import { failure, type AdminResult } from '../admin/topic-admin.js';
import type { Broker } from '../broker.js';
import { MetadataError } from '../metadata/embedded-metadata-store.js';
import { defineHandler } from './handler.js';

/** The replicas of each new partition, or the reason the request cannot be met. */
function plan(broker: Broker, t: CreatePartitionsRequestCreatePartitionsTopic): AdminResult<number[][]> {
  const topic = broker.metadata.topic(t.name);
  if (!topic) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${t.name}' does not exist`);
  const current = topic.partitions.length;
  if (t.count === current)
    return failure(ErrorCode.INVALID_PARTITIONS, `topic '${t.name}' already has ${current} partition(s)`);
  if (t.count < current)
    return failure(
      ErrorCode.INVALID_PARTITIONS,
      `topic '${t.name}' has ${current} partition(s); ${t.count} would not be an increase`,
    );
  const added = t.count - current;
  const brokers = broker.metadata.brokers().map((b) => b.nodeId);
  const replication = topic.partitions[0]?.replicas.length ?? 1;
  if (t.assignments === null) {
    const first = brokers.length > 0 ? current % brokers.length : 0;
    const value = Array.from({ length: added }, (_, i) =>
      Array.from({ length: replication }, (_, r) => brokers[(first + i + r) % brokers.length]!),
    );
    return { errorCode: ErrorCode.NONE, errorMessage: null, value };
  }
  const invalid = (message: string) => failure<number[][]>(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
  if (t.assignments.length !== added)
    return invalid(`increasing the number of partitions by ${added} but ${t.assignments.length} assignments provided`);
  for (const [i, a] of t.assignments.entries()) {
    const partition = current + i;
    const unknown = a.brokerIds.filter((id) => !brokers.includes(id));
    if (unknown.length > 0) return invalid(`unknown broker(s) in replica assignment: ${unknown.join(', ')}`);
    if (new Set(a.brokerIds).size !== a.brokerIds.length)
      return invalid(`duplicate brokers in replica assignment ${a.brokerIds.join(', ')} for partition ${partition}`);
    if (a.brokerIds.length !== replication)
      return invalid(
        `partition ${partition} is assigned ${a.brokerIds.length} replica(s) but the topic's replication factor is ${replication}`,
      );
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, value: t.assignments.map((a) => a.brokerIds) };
}

export default defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const { broker } = ctx;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = [];
    for (const t of req.topics) {
      let result =
        (counts.get(t.name) ?? 0) > 1
          ? failure(ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.')
          : plan(broker, t);
      if (result.errorCode === ErrorCode.NONE && !req.validateOnly) {
        try {
          await broker.metadata.createPartitions(t.name, t.count, result.value);
          broker.logger.info({ topic: t.name, partitions: t.count }, 'added partitions');
        } catch (err) {
          // All or nothing (see EmbeddedMetadataStore): the topic keeps its partitions.
          if (!(err instanceof MetadataError)) throw err;
          broker.logger.error({ topic: t.name, err }, err.message);
          result = failure(err.errorCode, err.message);
        }
      }
      results.push({ name: t.name, errorCode: result.errorCode, errorMessage: result.errorMessage });
    }
    return { throttleTimeMs: 0, results };
  },
});
