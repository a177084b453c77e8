/**
 * LeaderAndIsr (4), v5-7: the controller tells this broker which partitions it hosts and whether
 * it leads or follows each. A request from an older controller epoch is refused
 * (STALE_CONTROLLER_EPOCH), as is one for an older registration of this broker
 * (STALE_BROKER_EPOCH). Leaders stop fetching and serve; followers truncate to their leader and
 * start fetching from it; the group coordinator loads or unloads its offsets partitions.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { OFFSETS_TOPIC } from '../coordinator/coordinator.js';
import type { LeaderAndIsrEntry } from '../partition/replica-manager.js';
import { defineHandler } from './handler.js';
import { fencedByController } from './update-metadata.js';

export default defineHandler({
  apiKey: ApiKey.LeaderAndIsr,
  minVersion: 5,
  maxVersion: 7,
  async handle(ctx, req) {
    const { broker } = ctx;
    const cluster = broker.cluster;
    const refuse = (errorCode: number) => ({
      errorCode,
      topics: req.topicStates.map((t) => ({
        topicId: t.topicId,
        partitionErrors: t.partitionStates.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    });
    if (!cluster) return refuse(ErrorCode.UNSUPPORTED_VERSION);
    const fenced = fencedByController(cluster, req.controllerEpoch, req.brokerEpoch);
    if (fenced !== ErrorCode.NONE) return refuse(fenced);
    for (const l of req.liveLeaders) cluster.endpoints.set(l.brokerId, { host: l.hostName, port: l.port });
    await cluster.store.ensureTopicConfigs(req.topicStates.map((t) => t.topicName));
    const entries: LeaderAndIsrEntry[] = req.topicStates.flatMap((t) =>
      t.partitionStates.map((p) => ({
        topic: t.topicName,
        state: {
          partition: p.partitionIndex,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
          partitionEpoch: p.partitionEpoch,
        },
      })),
    );
    const { errors, leaders, followers } = broker.replicas.becomeLeaderOrFollower(entries);
    broker.fetchers?.removePartitions(leaders);
    broker.fetchers?.addPartitions(followers);
    for (const p of followers) if (p.topic === OFFSETS_TOPIC) broker.groups.resign(p.index);
    if (leaders.some((p) => p.topic === OFFSETS_TOPIC)) broker.groups.onLeadership();
    let i = 0;
    return {
      errorCode: ErrorCode.NONE,
      topics: req.topicStates.map((t) => ({
        topicId: t.topicId,
        partitionErrors: t.partitionStates.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors[i++]! })),
      })),
    };
  },
});
