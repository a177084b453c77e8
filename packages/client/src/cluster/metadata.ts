/** The cluster as the client knows it from Metadata responses. */
import { ErrorCode, ZERO_UUID, type MetadataResponse } from '@gregor/protocol';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  /** -1 while no leader is available. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  /** Kafka's topic id (22-character base64), or the zero id from brokers without them. */
  topicId: string;
  isInternal: boolean;
  /** Indexed by partition number. */
  partitions: PartitionInfo[];
}

export interface MetadataSnapshot {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerInfo>;
  topics: Map<string, TopicInfo>;
  /** Topics the response reported with an error (not found, not authorized, leader not yet elected). */
  topicErrors: Map<string, number>;
}

export function snapshotOf(res: MetadataResponse): MetadataSnapshot {
  const brokers = new Map(
    res.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]),
  );
  const topics = new Map<string, TopicInfo>();
  const topicErrors = new Map<string, number>();
  for (const t of res.topics) {
    if (t.name === null) continue;
    if (t.errorCode !== ErrorCode.NONE) {
      topicErrors.set(t.name, t.errorCode);
      continue;
    }
    const partitions: PartitionInfo[] = [];
    for (const p of t.partitions)
      partitions[p.partitionIndex] = {
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
        errorCode: p.errorCode,
      };
    topics.set(t.name, { name: t.name, topicId: t.topicId ?? ZERO_UUID, isInternal: t.isInternal, partitions });
  }
  return { clusterId: res.clusterId, controllerId: res.controllerId, brokers, topics, topicErrors };
}
