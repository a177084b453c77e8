/**
 * What the cluster knows about itself: brokers, the controller, topics with their ids, partition
 * assignments (leader, leader epoch, replicas, ISR) and config overrides, and producer id blocks.
 * One interface with an embedded implementation (a single broker, state in its data directory)
 * and, later, a ZooKeeper one; mutations are async so either fits.
 */
export interface PartitionState {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  /** The version of the state (ZooKeeper's znode version): fences ISR changes. 0 when embedded. */
  partitionEpoch?: number;
  /** Replicas whose broker is down or whose log directory failed. */
  offlineReplicas?: number[];
}

export interface TopicState {
  name: string;
  /** Kafka's topic id: a Uuid in URL-safe base64, as Kafka prints it. */
  topicId: string;
  partitions: PartitionState[];
  /** Topic-level config overrides under Kafka's names (defaults are the broker's). */
  configs: Record<string, string>;
  internal: boolean;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export type MetadataEvent =
  | { type: 'topic-created'; topic: TopicState }
  | { type: 'topic-deleted'; topic: TopicState }
  | { type: 'partitions-added'; topic: TopicState; from: number }
  /** Undoes a 'partitions-added' that could not be completed: partitions from `from` on are gone. */
  | { type: 'partitions-removed'; topic: TopicState; from: number }
  | { type: 'topic-configs-changed'; topic: TopicState }
  | { type: 'broker-configs-changed'; configs: Record<string, string> };

export interface NewTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** Explicit replica assignment per partition; default spreads over the brokers. */
  assignments?: number[][];
  internal?: boolean;
}

export interface MetadataStore {
  readonly clusterId: string;
  controllerId(): number;
  brokers(): BrokerInfo[];
  topics(): TopicState[];
  topic(name: string): TopicState | undefined;
  topicById(topicId: string): TopicState | undefined;
  /**
   * A topic's config overrides, known before its partitions are (a LeaderAndIsr can arrive
   * before the UpdateMetadata that lists the topic).
   */
  topicOverrides(name: string): Record<string, string> | undefined;
  createTopic(spec: NewTopic): Promise<TopicState>;
  deleteTopic(name: string): Promise<TopicState>;
  /** Grows a topic to `total` partitions. */
  createPartitions(name: string, total: number, assignments?: number[][]): Promise<TopicState>;
  /** Replaces a topic's config overrides. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicState>;
  /** Dynamic broker-wide config overrides (AlterConfigs on a BROKER resource). */
  brokerConfigs(): Record<string, string>;
  setBrokerConfigs(configs: Record<string, string>): Promise<void>;
  /** Reserves `size` producer ids and returns the first. */
  allocateProducerIds(size: number): Promise<number>;
  subscribe(listener: (event: MetadataEvent) => void): () => void;
  close(): Promise<void>;
}
