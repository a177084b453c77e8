/**
 * UpdateMetadata (6), v7-8: the controller's view of live brokers and partition states, applied
 * to this broker's metadata cache (what Metadata, FindCoordinator and the rest answer from).
 * Partition leader -2 marks a deleted topic. A partition this broker leads or follows takes the
 * new ISR too (after an AlterPartition, under the same leader epoch).
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { ZkCluster } from '../cluster/zk-cluster.js';
import { defineHandler } from './handler.js';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

/** STALE_CONTROLLER_EPOCH for an older controller, STALE_BROKER_EPOCH for an older registration of this broker. */
export function fencedByController(cluster: ZkCluster, controllerEpoch: number, brokerEpoch: bigint): number {
  if (controllerEpoch < cluster.controllerEpochSeen) return ErrorCode.STALE_CONTROLLER_EPOCH;
  if (brokerEpoch >= 0n && brokerEpoch < cluster.brokerEpoch) return ErrorCode.STALE_BROKER_EPOCH;
  cluster.controllerEpochSeen = controllerEpoch;
  return ErrorCode.NONE;
}

export default defineHandler({
  apiKey: ApiKey.UpdateMetadata,
  minVersion: 7,
  maxVersion: 8,
  handle(ctx, req) {
    const { broker } = ctx;
    const cluster = broker.cluster;
    if (!cluster) return { errorCode: ErrorCode.UNSUPPORTED_VERSION };
    const fenced = fencedByController(cluster, req.controllerEpoch, req.brokerEpoch);
    if (fenced !== ErrorCode.NONE) return { errorCode: fenced };
    const liveBrokers = req.liveBrokers.map((b) => {
      const e = b.endpoints[0];
      return { nodeId: b.id, host: e?.host ?? '', port: e?.port ?? -1, rack: b.rack };
    });
    for (const b of liveBrokers) cluster.endpoints.set(b.nodeId, { host: b.host, port: b.port });
    cluster.store.apply({
      controllerId: req.controllerId,
      liveBrokers,
      topics: req.topicStates.map((t) => ({
        name: t.topicName,
        topicId: t.topicId,
        internal: INTERNAL_TOPICS.has(t.topicName),
      })),
      partitions: req.topicStates.flatMap((t) =>
        t.partitionStates.map((p) => ({
          topic: t.topicName,
          partition: p.partitionIndex,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.zkVersion,
          replicas: p.replicas,
          isr: p.isr,
          offlineReplicas: p.offlineReplicas,
        })),
      ),
    });
    for (const t of req.topicStates)
      for (const p of t.partitionStates)
        if (p.leader >= 0)
          broker.replicas.updatePartitionState(t.topicName, {
            partition: p.partitionIndex,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.isr,
            partitionEpoch: p.zkVersion,
          });
    return { errorCode: ErrorCode.NONE };
  },
});
