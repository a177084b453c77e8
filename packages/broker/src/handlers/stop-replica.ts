/**
 * StopReplica (5), v3-4: the controller takes partitions away from this broker: it stops
 * fetching and serving them, and with deletePartition (topic deletion, a replica moved away)
 * removes their logs.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { OFFSETS_TOPIC } from '../coordinator/coordinator.js';
import { defineHandler } from './handler.js';
import { fencedByController } from './update-metadata.js';

export default defineHandler({
  apiKey: ApiKey.StopReplica,
  minVersion: 3,
  maxVersion: 4,
  handle(ctx, req) {
    const { broker } = ctx;
    const cluster = broker.cluster;
    const all = req.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topic: t.topicName, p })));
    const answer = (errorCode: number) =>
      all.map(({ topic, p }) => ({ topicName: topic, partitionIndex: p.partitionIndex, errorCode }));
    if (!cluster)
      return { errorCode: ErrorCode.UNSUPPORTED_VERSION, partitionErrors: answer(ErrorCode.UNSUPPORTED_VERSION) };
    const fenced = fencedByController(cluster, req.controllerEpoch, req.brokerEpoch);
    if (fenced !== ErrorCode.NONE) return { errorCode: fenced, partitionErrors: [] };
    broker.fetchers?.removePartitions(all.map(({ topic, p }) => ({ topic, index: p.partitionIndex })));
    for (const { topic, p } of all) {
      if (topic === OFFSETS_TOPIC) broker.groups.resign(p.partitionIndex);
      broker.replicas.stopReplica(topic, p.partitionIndex, p.deletePartition);
    }
    return { errorCode: ErrorCode.NONE, partitionErrors: answer(ErrorCode.NONE) };
  },
});
