/**
 * API version negotiation. The client declares, per API it uses, the range of versions its
 * request builders and response readers handle; the broker's ApiVersions response gives its
 * range; a request uses the highest version in both (as Kafka's NodeApiVersions.latestUsableVersion).
 */
import { ApiKey, type ApiKeyNumber } from '@gregor/protocol';

export interface VersionRange {
  min: number;
  max: number;
}

/**
 * What this client speaks. Lower bounds: Produce/Fetch v3/v4 are the first with record batches
 * (magic 2); the admin APIs start where their request shape became what the builders write.
 */
export const CLIENT_VERSIONS: Partial<Record<ApiKeyNumber, VersionRange>> = {
  [ApiKey.Produce]: { min: 3, max: 11 },
  [ApiKey.Fetch]: { min: 4, max: 17 },
  [ApiKey.ListOffsets]: { min: 1, max: 10 },
  [ApiKey.Metadata]: { min: 1, max: 12 },
  [ApiKey.OffsetCommit]: { min: 2, max: 9 },
  [ApiKey.OffsetFetch]: { min: 1, max: 7 },
  [ApiKey.FindCoordinator]: { min: 1, max: 4 },
  [ApiKey.JoinGroup]: { min: 2, max: 9 },
  [ApiKey.Heartbeat]: { min: 1, max: 4 },
  [ApiKey.LeaveGroup]: { min: 1, max: 5 },
  [ApiKey.SyncGroup]: { min: 1, max: 5 },
  [ApiKey.DescribeGroups]: { min: 1, max: 5 },
  [ApiKey.ListGroups]: { min: 1, max: 5 },
  [ApiKey.ApiVersions]: { min: 0, max: 3 },
  [ApiKey.CreateTopics]: { min: 2, max: 7 },
  [ApiKey.DeleteTopics]: { min: 1, max: 6 },
  [ApiKey.DeleteRecords]: { min: 0, max: 2 },
  [ApiKey.InitProducerId]: { min: 0, max: 5 },
  [ApiKey.DescribeConfigs]: { min: 1, max: 4 },
  [ApiKey.DeleteGroups]: { min: 0, max: 2 },
  [ApiKey.IncrementalAlterConfigs]: { min: 0, max: 1 },
  [ApiKey.DescribeLogDirs]: { min: 1, max: 4 },
  [ApiKey.CreatePartitions]: { min: 0, max: 3 },
  [ApiKey.ElectLeaders]: { min: 0, max: 2 },
  [ApiKey.AlterPartitionReassignments]: { min: 0, max: 0 },
  [ApiKey.ListPartitionReassignments]: { min: 0, max: 0 },
  [ApiKey.DescribeCluster]: { min: 0, max: 1 },
  [ApiKey.OffsetDelete]: { min: 0, max: 0 },
  [ApiKey.ConsumerGroupHeartbeat]: { min: 0, max: 1 },
  // Broker-to-broker requests (a Gregor broker uses this connection layer for them).
  [ApiKey.LeaderAndIsr]: { min: 5, max: 6 },
  [ApiKey.UpdateMetadata]: { min: 7, max: 7 },
  [ApiKey.StopReplica]: { min: 3, max: 3 },
  [ApiKey.ControlledShutdown]: { min: 3, max: 3 },
  [ApiKey.AlterPartition]: { min: 1, max: 1 },
  [ApiKey.OffsetForLeaderEpoch]: { min: 3, max: 4 },
};

/** The highest version both sides support, or undefined when the ranges do not meet. */
export function pickVersion(client: VersionRange | undefined, broker: VersionRange | undefined): number | undefined {
  if (!client || !broker) return undefined;
  const max = Math.min(client.max, broker.max);
  return max >= Math.max(client.min, broker.min) ? max : undefined;
}
