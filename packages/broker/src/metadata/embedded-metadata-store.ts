/**
 * The embedded metadata store: a single broker that is its own controller, with its state in
 * `<data dir>/__cluster_metadata.json`, rewritten atomically on every change.
 *
 * Creating topics and partitions is all or nothing: listeners (the replica manager creating the
 * logs) run before the change is saved, and when one of them or the save fails, the listeners
 * that had run are told to undo it, memory goes back to what it was, and the caller gets a
 * MetadataError with KAFKA_STORAGE_ERROR: never a topic listed whose logs do not exist.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@gregor/protocol';
import { writeFileAtomic } from './atomic-file.js';
import type {
  BrokerInfo,
  MetadataEvent,
  MetadataStore,
  NewTopic,
  PartitionState,
  TopicState,
} from './metadata-store.js';

interface PersistedState {
  version: 1;
  topics: TopicState[];
  brokerConfigs: Record<string, string>;
  nextProducerId: number;
}

export class MetadataError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class EmbeddedMetadataStore implements MetadataStore {
  private readonly listeners = new Set<(e: MetadataEvent) => void>();
  private readonly byName = new Map<string, TopicState>();
  private readonly byId = new Map<string, TopicState>();
  private state: PersistedState;
  private readonly path: string;

  constructor(
    dataDir: string,
    readonly clusterId: string,
    private readonly self: BrokerInfo,
  ) {
    this.path = join(dataDir, '__cluster_metadata.json');
    this.state = existsSync(this.path)
      ? (JSON.parse(readFileSync(this.path, 'utf8')) as PersistedState)
      : { version: 1, topics: [], brokerConfigs: {}, nextProducerId: 0 };
    for (const t of this.state.topics) this.index(t);
  }

  private index(t: TopicState): void {
    this.byName.set(t.name, t);
    this.byId.set(t.topicId, t);
  }

  private persist(): void {
    this.state.topics = [...this.byName.values()];
    writeFileAtomic(this.path, JSON.stringify(this.state));
  }

  private emit(event: MetadataEvent): void {
    for (const l of this.listeners) l(event);
  }

  /**
   * Applies a change: `event` to every listener, then saves. If a listener throws (it must have
   * undone its own part) or the save fails, `undo` goes to the listeners that had taken `event`
   * and `revert` restores memory; the failure is rethrown as a MetadataError.
   */
  private commit(what: string, event: MetadataEvent, undo: MetadataEvent, revert: () => void): void {
    const applied: ((e: MetadataEvent) => void)[] = [];
    try {
      for (const l of this.listeners) {
        l(event);
        applied.push(l);
      }
      this.persist();
    } catch (err) {
      for (const l of applied.reverse()) {
        try {
          l(undo);
        } catch {
          // Undo is best effort: what it leaves behind is not in metadata, so it is never served.
        }
      }
      revert();
      if (err instanceof MetadataError) throw err;
      throw new MetadataError(ErrorCode.KAFKA_STORAGE_ERROR, `cannot ${what}: ${(err as Error).message}`);
    }
  }

  controllerId(): number {
    return this.self.nodeId;
  }
  brokers(): BrokerInfo[] {
    return [this.self];
  }
  topics(): TopicState[] {
    return [...this.byName.values()];
  }
  topic(name: string): TopicState | undefined {
    return this.byName.get(name);
  }
  topicById(topicId: string): TopicState | undefined {
    return this.byId.get(topicId);
  }
  topicOverrides(name: string): Record<string, string> | undefined {
    return this.byName.get(name)?.configs;
  }

  private newPartition(partition: number, replicas: number[] | undefined): PartitionState {
    const r = replicas ?? [this.self.nodeId];
    return { partition, leader: r[0] ?? this.self.nodeId, leaderEpoch: 0, replicas: r, isr: [...r] };
  }

  async createTopic(spec: NewTopic): Promise<TopicState> {
    if (this.byName.has(spec.name)) throw new MetadataError(36, `topic '${spec.name}' already exists`);
    let topicId = randomBytes(16).toString('base64url');
    while (this.byId.has(topicId) || topicId === 'AAAAAAAAAAAAAAAAAAAAAA')
      topicId = randomBytes(16).toString('base64url');
    const topic: TopicState = {
      name: spec.name,
      topicId,
      partitions: Array.from({ length: spec.partitions }, (_, p) => this.newPartition(p, spec.assignments?.[p])),
      configs: { ...spec.configs },
      internal: spec.internal ?? false,
    };
    this.index(topic);
    this.commit(
      `create topic '${spec.name}' with ${spec.partitions} partition(s)`,
      { type: 'topic-created', topic },
      { type: 'topic-deleted', topic },
      () => {
        this.byName.delete(topic.name);
        this.byId.delete(topic.topicId);
        this.state.topics = [...this.byName.values()];
      },
    );
    return topic;
  }

  async deleteTopic(name: string): Promise<TopicState> {
    const topic = this.byName.get(name);
    if (!topic) throw new MetadataError(3, `topic '${name}' does not exist`);
    this.byName.delete(name);
    this.byId.delete(topic.topicId);
    this.persist();
    this.emit({ type: 'topic-deleted', topic });
    return topic;
  }

  async createPartitions(name: string, total: number, assignments?: number[][]): Promise<TopicState> {
    const topic = this.byName.get(name);
    if (!topic) throw new MetadataError(3, `topic '${name}' does not exist`);
    const from = topic.partitions.length;
    for (let p = from; p < total; p++) topic.partitions.push(this.newPartition(p, assignments?.[p - from]));
    this.commit(
      `add partitions to '${name}' (${from} to ${total})`,
      { type: 'partitions-added', topic, from },
      { type: 'partitions-removed', topic, from },
      () => {
        topic.partitions.length = from;
      },
    );
    return topic;
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicState> {
    const topic = this.byName.get(name);
    if (!topic) throw new MetadataError(3, `topic '${name}' does not exist`);
    topic.configs = { ...configs };
    this.persist();
    this.emit({ type: 'topic-configs-changed', topic });
    return topic;
  }

  brokerConfigs(): Record<string, string> {
    return { ...this.state.brokerConfigs };
  }
  async setBrokerConfigs(configs: Record<string, string>): Promise<void> {
    this.state.brokerConfigs = { ...configs };
    this.persist();
    this.emit({ type: 'broker-configs-changed', configs: this.brokerConfigs() });
  }

  async allocateProducerIds(size: number): Promise<number> {
    const first = this.state.nextProducerId;
    this.state.nextProducerId += size;
    this.persist();
    return first;
  }

  subscribe(listener: (event: MetadataEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
