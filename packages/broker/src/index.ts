export { Broker } from './broker.js';
export * from './config/broker-config.js';
export type { MetadataStore, TopicState, PartitionState, BrokerInfo } from './metadata/metadata-store.js';
