/** Every request handler this broker has. ApiVersions advertises exactly these, at these versions. */
import alterConfigs from './alter-configs.js';
import alterPartition from './alter-partition.js';
import { alterPartitionReassignments, listPartitionReassignments } from './alter-partition-reassignments.js';
import controlledShutdown from './controlled-shutdown.js';
import electLeaders from './elect-leaders.js';
import leaderAndIsr from './leader-and-isr.js';
import stopReplica from './stop-replica.js';
import updateMetadata from './update-metadata.js';
import consumerGroupDescribe from './consumer-group-describe.js';
import consumerGroupHeartbeat from './consumer-group-heartbeat.js';
import deleteGroups from './delete-groups.js';
import describeGroups from './describe-groups.js';
import findCoordinator from './find-coordinator.js';
import heartbeat from './heartbeat.js';
import joinGroup from './join-group.js';
import leaveGroup from './leave-group.js';
import listGroups from './list-groups.js';
import offsetCommit from './offset-commit.js';
import offsetDelete from './offset-delete.js';
import offsetFetch from './offset-fetch.js';
import syncGroup from './sync-group.js';
import apiVersions from './api-versions.js';
import createPartitions from './create-partitions.js';
import createTopics from './create-topics.js';
import deleteRecords from './delete-records.js';
import deleteTopics from './delete-topics.js';
import describeCluster from './describe-cluster.js';
import describeConfigs from './describe-configs.js';
import describeLogDirs from './describe-log-dirs.js';
import fetch from './fetch.js';
import type { Handler } from './handler.js';
import incrementalAlterConfigs from './incremental-alter-configs.js';
import initProducerId from './init-producer-id.js';
import listOffsets from './list-offsets.js';
import metadata from './metadata.js';
import offsetForLeaderEpoch from './offset-for-leader-epoch.js';
import produce from './produce.js';

export const HANDLERS: readonly Handler<never>[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersions,
  createTopics,
  deleteTopics,
  initProducerId,
  deleteRecords,
  offsetForLeaderEpoch,
  describeConfigs,
  alterConfigs,
  describeLogDirs,
  createPartitions,
  incrementalAlterConfigs,
  describeCluster,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  deleteGroups,
  offsetDelete,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
] as unknown as Handler<never>[];

/** Inter-broker requests: served (and advertised) only by a broker in a ZooKeeper cluster. */
export const CLUSTER_HANDLERS: readonly Handler<never>[] = [
  leaderAndIsr,
  stopReplica,
  updateMetadata,
  controlledShutdown,
  alterPartition,
  electLeaders,
  alterPartitionReassignments,
  listPartitionReassignments,
] as unknown as Handler<never>[];
