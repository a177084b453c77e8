/**
 * ElectLeaders (43), v0-2: preferred (type 0) or unclean (type 1) leader elections, run by the
 * controller (others answer NOT_CONTROLLER, and clients retry on the controller). Null
 * partitions means every partition. Per-partition results as Kafka gives them: NONE,
 * ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE or
 * UNKNOWN_TOPIC_OR_PARTITION.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const controller = ctx.broker.cluster?.controller;
    const requested =
      req.topicPartitions?.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))) ?? null;
    const everyPartition = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      errorCode: ctx.apiVersion >= 1 ? errorCode : ErrorCode.NONE,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage })),
      })),
    });
    if (!controller?.isActive)
      return everyPartition(ErrorCode.NOT_CONTROLLER, `broker ${ctx.broker.config.nodeId} is not the controller`);
    let results;
    try {
      results = await controller.electLeaders(req.electionType === 1 ? 'unclean' : 'preferred', requested);
    } catch {
      return everyPartition(ErrorCode.NOT_CONTROLLER, 'the controller moved during the election');
    }
    const byTopic = new Map<string, { partitionId: number; errorCode: number; errorMessage: string | null }[]>();
    for (const r of results) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.message });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })),
    };
  },
});
