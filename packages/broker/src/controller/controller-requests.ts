/**
 * The controller's requests to brokers, built from its state: LeaderAndIsr (a broker's role for
 * the partitions it hosts), UpdateMetadata (what every broker's metadata cache should hold) and
 * StopReplica, in the shapes of Kafka's inter-broker protocol.
 */
import {
  ZERO_UUID,
  type LeaderAndIsrRequestInput,
  type StopReplicaRequestInput,
  type UpdateMetadataRequestInput,
} from '@gregor/protocol';
import { parseEndpoint } from '../zk/zk-data.js';
import type { ControllerPartition, ControllerState, LiveBroker } from './controller-state.js';

export interface Fence {
  controllerId: number;
  controllerEpoch: number;
}

function byTopic<T>(items: ControllerPartition[], fn: (p: ControllerPartition) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const p of items) {
    let list = out.get(p.topic);
    if (!list) out.set(p.topic, (list = []));
    list.push(fn(p));
  }
  return out;
}

export function endpointOf(b: LiveBroker): { host: string; port: number; listener: string } {
  const e = parseEndpoint(b.registration.endpoints[0]!);
  return { host: e.host, port: e.port, listener: e.listener };
}

export function leaderAndIsr(
  fence: Fence,
  state: ControllerState,
  brokerId: number,
  partitions: ControllerPartition[],
  isNew = false,
): LeaderAndIsrRequestInput {
  const leaders = new Set(partitions.map((p) => p.leader));
  const topics = byTopic(partitions, (p) => ({
    partitionIndex: p.partition,
    controllerEpoch: p.controllerEpoch,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    isr: p.isr,
    partitionEpoch: p.zkVersion,
    replicas: state.replicas(p.topic, p.partition),
    addingReplicas: [],
    removingReplicas: [],
    isNew,
  }));
  return {
    controllerId: fence.controllerId,
    controllerEpoch: fence.controllerEpoch,
    brokerEpoch: state.brokers.get(brokerId)?.epoch ?? -1n,
    type: 0,
    topicStates: [...topics].map(([topicName, partitionStates]) => ({
      topicName,
      topicId: state.topics.get(topicName)?.topicId ?? ZERO_UUID,
      partitionStates,
    })),
    liveLeaders: [...leaders].flatMap((id) => {
      const b = state.brokers.get(id);
      if (!b) return [];
      const e = endpointOf(b);
      return [{ brokerId: id, hostName: e.host, port: e.port }];
    }),
  };
}

/** UpdateMetadata with `partitions` (deleted ones get leader -2) and every live broker. */
export function updateMetadata(
  fence: Fence,
  state: ControllerState,
  brokerId: number,
  partitions: ControllerPartition[],
  deleted: ControllerPartition[] = [],
): UpdateMetadataRequestInput {
  const live = state.live();
  const topics = byTopic([...partitions, ...deleted], (p) => {
    const replicas = state.replicas(p.topic, p.partition);
    const gone = deleted.includes(p);
    return {
      partitionIndex: p.partition,
      controllerEpoch: p.controllerEpoch,
      leader: gone ? -2 : p.leader,
      leaderEpoch: p.leaderEpoch,
      isr: p.isr,
      zkVersion: p.zkVersion,
      replicas,
      offlineReplicas: replicas.filter((id) => !live.has(id)),
    };
  });
  return {
    controllerId: fence.controllerId,
    controllerEpoch: fence.controllerEpoch,
    brokerEpoch: state.brokers.get(brokerId)?.epoch ?? -1n,
    topicStates: [...topics].map(([topicName, partitionStates]) => ({
      topicName,
      topicId: state.topics.get(topicName)?.topicId ?? ZERO_UUID,
      partitionStates,
    })),
    liveBrokers: [...state.brokers].map(([id, b]) => {
      const e = endpointOf(b);
      return {
        id,
        endpoints: [{ host: e.host, port: e.port, listener: e.listener, securityProtocol: 0 }],
        rack: b.registration.rack,
      };
    }),
  };
}

export function stopReplica(
  fence: Fence,
  state: ControllerState,
  brokerId: number,
  partitions: { topic: string; partition: number; leaderEpoch: number }[],
  deletePartition: boolean,
): StopReplicaRequestInput {
  const topics = new Map<string, { partitionIndex: number; leaderEpoch: number; deletePartition: boolean }[]>();
  for (const p of partitions) {
    let list = topics.get(p.topic);
    if (!list) topics.set(p.topic, (list = []));
    list.push({ partitionIndex: p.partition, leaderEpoch: p.leaderEpoch, deletePartition });
  }
  return {
    controllerId: fence.controllerId,
    controllerEpoch: fence.controllerEpoch,
    brokerEpoch: state.brokers.get(brokerId)?.epoch ?? -1n,
    topicStates: [...topics].map(([topicName, partitionStates]) => ({ topicName, partitionStates })),
  };
}
