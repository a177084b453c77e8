/**
 * What one broker believes about the cluster (Kafka's `MetadataCache`): live brokers, the
 * controller, topics and each partition's leader, leader epoch, replicas, ISR and offline
 * replicas. It changes only through `apply`, fed by the controller's UpdateMetadata (in-process
 * for the embedded single broker), and every change publishes a new immutable snapshot and the
 * typed events that lead from the old one to the new. Readers hold a snapshot for the length of a
 * request and see one consistent view, whatever changes meanwhile.
 */

export interface BrokerEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** Kafka's leader id for a partition whose topic is being deleted. */
export const LEADER_DURING_DELETE = -2;
export const NO_LEADER = -1;

export interface PartitionMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The leader's broker id, NO_LEADER (-1) when offline. */
  readonly leader: number;
  readonly leaderEpoch: number;
  /** The version of the partition's state (ZooKeeper's znode version); fences ISR updates. */
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
  /** Indexed by partition number. */
  readonly partitions: readonly PartitionMetadata[];
}

/** One UpdateMetadata's worth of change: partition states replace the old, brokers are the full live set. */
export interface MetadataUpdate {
  controllerId: number;
  /** Every live broker; omit to keep the current set. */
  liveBrokers?: BrokerEndpoint[];
  /** New or changed partitions (leader LEADER_DURING_DELETE removes the partition). */
  partitions?: (Omit<PartitionMetadata, 'offlineReplicas'> & { offlineReplicas?: readonly number[] })[];
  /** Topic ids and internal flags of the topics the partitions belong to. */
  topics?: { name: string; topicId: string; internal: boolean }[];
}

export type MetadataChange =
  | { type: 'broker-added'; broker: BrokerEndpoint }
  | { type: 'broker-removed'; broker: BrokerEndpoint }
  | { type: 'controller-changed'; controllerId: number }
  | { type: 'topic-added'; topic: TopicMetadata }
  | { type: 'topic-removed'; topic: TopicMetadata }
  | { type: 'partition-changed'; before: PartitionMetadata | undefined; after: PartitionMetadata };

export class MetadataSnapshot {
  private constructor(
    readonly brokers: ReadonlyMap<number, BrokerEndpoint>,
    readonly controllerId: number,
    readonly topics: ReadonlyMap<string, TopicMetadata>,
    private readonly byId: ReadonlyMap<string, TopicMetadata>,
  ) {}

  static readonly EMPTY = new MetadataSnapshot(new Map(), -1, new Map(), new Map());

  /** @internal */
  static of(
    brokers: Map<number, BrokerEndpoint>,
    controllerId: number,
    topics: Map<string, TopicMetadata>,
  ): MetadataSnapshot {
    const byId = new Map<string, TopicMetadata>();
    for (const t of topics.values()) byId.set(t.topicId, t);
    return new MetadataSnapshot(brokers, controllerId, topics, byId);
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  topicById(topicId: string): TopicMetadata | undefined {
    return this.byId.get(topicId);
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  broker(nodeId: number): BrokerEndpoint | undefined {
    return this.brokers.get(nodeId);
  }

  isAlive(nodeId: number): boolean {
    return this.brokers.has(nodeId);
  }
}

const freezePartition = (p: PartitionMetadata): PartitionMetadata =>
  Object.freeze({
    ...p,
    replicas: Object.freeze([...p.replicas]),
    isr: Object.freeze([...p.isr]),
    offlineReplicas: Object.freeze([...p.offlineReplicas]),
  });

const samePartition = (a: PartitionMetadata, b: PartitionMetadata): boolean =>
  a.leader === b.leader &&
  a.leaderEpoch === b.leaderEpoch &&
  a.partitionEpoch === b.partitionEpoch &&
  a.replicas.join() === b.replicas.join() &&
  a.isr.join() === b.isr.join() &&
  a.offlineReplicas.join() === b.offlineReplicas.join();

export class MetadataCache {
  private current = MetadataSnapshot.EMPTY;
  private readonly listeners = new Set<(changes: readonly MetadataChange[], snapshot: MetadataSnapshot) => void>();

  snapshot(): MetadataSnapshot {
    return this.current;
  }

  /**
   * Applies an update and returns the changes it made (none for a repeat). Listeners run after
   * the new snapshot is in place, in subscription order.
   */
  apply(update: MetadataUpdate): readonly MetadataChange[] {
    const before = this.current;
    const changes: MetadataChange[] = [];

    let brokers = before.brokers as Map<number, BrokerEndpoint>;
    if (update.liveBrokers) {
      brokers = new Map(update.liveBrokers.map((b) => [b.nodeId, Object.freeze({ ...b })]));
      for (const [id, b] of before.brokers) if (!brokers.has(id)) changes.push({ type: 'broker-removed', broker: b });
      for (const [id, b] of brokers) if (!before.brokers.has(id)) changes.push({ type: 'broker-added', broker: b });
    }
    if (update.controllerId !== before.controllerId)
      changes.push({ type: 'controller-changed', controllerId: update.controllerId });

    // Topics are rebuilt only where a partition of theirs changed; the rest are shared with `before`.
    const topics = new Map(before.topics);
    const info = new Map((update.topics ?? []).map((t) => [t.name, t]));
    const touched = new Map<string, PartitionMetadata[]>();
    const removed = new Set<string>();
    for (const p of update.partitions ?? []) {
      const old = topics.get(p.topic);
      if (p.leader === LEADER_DURING_DELETE) {
        removed.add(p.topic);
        continue;
      }
      let list = touched.get(p.topic);
      if (!list) touched.set(p.topic, (list = [...(old?.partitions ?? [])]));
      const next = freezePartition({ ...p, offlineReplicas: p.offlineReplicas ?? [] });
      const prev = list[p.partition];
      if (!prev || !samePartition(prev, next)) {
        list[p.partition] = next;
        changes.push({ type: 'partition-changed', before: prev, after: next });
      }
    }
    for (const [name, list] of touched) {
      const old = topics.get(name);
      const meta = info.get(name);
      // A sparse array's holes are skipped by some(); count them instead.
      if (list.filter((p) => p !== undefined).length !== list.length)
        throw new Error(`metadata for topic '${name}' leaves a gap in its partitions`);
      const topic: TopicMetadata = Object.freeze({
        name,
        topicId: meta?.topicId ?? old?.topicId ?? '',
        internal: meta?.internal ?? old?.internal ?? false,
        partitions: Object.freeze(list),
      });
      topics.set(name, topic);
      if (!old) changes.push({ type: 'topic-added', topic });
    }
    for (const name of removed) {
      const old = topics.get(name);
      if (!old) continue;
      topics.delete(name);
      changes.push({ type: 'topic-removed', topic: old });
    }

    if (changes.length === 0) return changes;
    this.current = MetadataSnapshot.of(brokers, update.controllerId, topics);
    for (const listener of this.listeners) listener(changes, this.current);
    return changes;
  }

  /** Calls `listener` after every update that changed something; returns the unsubscribe. */
  subscribe(listener: (changes: readonly MetadataChange[], snapshot: MetadataSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
