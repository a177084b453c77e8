/**
 * @gregor/client: a Kafka client for Gregor and any Kafka broker. Producer (batching,
 * compression, idempotence), consumer (consumer groups: classic and KIP-848; manual assignment;
 * fetch pipelining), admin (topics, configs, groups and their offsets).
 */
export * from './errors.js';
export type { ClientOptions } from './cluster/options.js';
export type { BrokerInfo, PartitionInfo, TopicInfo } from './cluster/metadata.js';
export { Cluster } from './cluster/cluster.js';
export { BrokerConnection, type ConnectionOptions, type RequestBody } from './network/connection.js';
export { CLIENT_VERSIONS } from './network/versions.js';
export { Producer, type ProducerOptions } from './producer/producer.js';
export * from './producer/types.js';
export { murmur2, toPositive, partitionForKey } from './producer/murmur2.js';
export type { Partitioner, PartitionerArgs } from './producer/partitioners.js';
export * from './types.js';
export { Consumer, type ConsumerOptions } from './consumer/consumer.js';
export type { ConsumerRecord } from './consumer/records.js';
export type { PartitionAssignment } from './consumer/subscription.js';
export type {
  GroupMembership,
  GroupMetadata,
  LeaveMode,
  MembershipHost,
  OffsetAndMetadata,
} from './consumer/group-membership.js';
export type {
  AssignorName,
  GroupOptions,
  GroupProtocol,
  MemberSubscription,
  PartitionAssignor,
  RebalanceListener,
  RebalanceProtocol,
  SubscriptionSpec,
} from './group/types.js';
export { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor } from './group/assignors/index.js';
export { OffsetTimestamp } from './cluster/list-offsets.js';
export { Admin } from './admin/admin.js';
export type * from './admin/types.js';
