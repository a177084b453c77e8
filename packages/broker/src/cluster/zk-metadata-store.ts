/**
 * Metadata in cluster mode: reads come from this broker's metadata cache (fed by the
 * controller's UpdateMetadata), writes go to ZooKeeper in Kafka's layout, and the controller
 * turns them into partition states. Creating a topic writes its assignment and config and waits
 * until the controller has elected its leaders (as Kafka's CreateTopics waits for metadata);
 * deleting one marks it in /admin/delete_topics and waits until it is gone. Topic and broker
 * config overrides live in /config and every broker follows /config/changes.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@gregor/protocol';
import type { Logger } from 'pino';
import { AssignmentError, assignReplicas } from '../controller/replica-assignment.js';
import { MetadataError } from '../metadata/embedded-metadata-store.js';
import { MetadataCache, type MetadataSnapshot, type MetadataUpdate } from '../metadata/metadata-cache.js';
import type { BrokerInfo, MetadataEvent, MetadataStore, NewTopic, TopicState } from '../metadata/metadata-store.js';
import type { KafkaZk } from '../zk/kafka-zk.js';
import { ZkError, ZkErrorCode } from '../zk/zk-client.js';
import { ConfigChangeZNode, TopicZNode, ZkPaths } from '../zk/zk-data.js';

const BROKER_DEFAULT = '<default>';
const WAIT_MS = 30_000;

export class ZkMetadataStore implements MetadataStore {
  readonly cache = new MetadataCache();
  private readonly listeners = new Set<(e: MetadataEvent) => void>();
  private readonly topicConfigs = new Map<string, Record<string, string>>();
  private dynamicBrokerConfigs: Record<string, string> = {};
  private lastConfigChange = '';
  private view: { snapshot: MetadataSnapshot; topics: TopicState[]; byName: Map<string, TopicState> } | undefined;
  private readonly cacheWaiters = new Set<() => void>();
  private closed = false;

  constructor(
    /** The current ZooKeeper session's client (it changes when a session expires). */
    private readonly zk: () => KafkaZk,
    readonly clusterId: string,
    private readonly selfId: number,
    private readonly logger: Logger,
  ) {
    this.cache.subscribe((changes) => {
      for (const c of changes) if (c.type === 'topic-removed') this.topicConfigs.delete(c.topic.name);
      for (const wake of [...this.cacheWaiters]) wake();
    });
  }

  /** Loads dynamic broker configs and starts following config changes. */
  async start(): Promise<void> {
    this.dynamicBrokerConfigs = await this.zk().entityConfigs('brokers', BROKER_DEFAULT);
    const existing = await this.zk().zk.children(ZkPaths.configChanges);
    this.lastConfigChange = existing.sort().at(-1) ?? '';
    await this.followConfigChanges();
  }

  /** UpdateMetadata from the controller. */
  apply(update: MetadataUpdate): void {
    this.cache.apply(update);
  }

  // ---- reads ----

  controllerId(): number {
    return this.cache.snapshot().controllerId;
  }

  brokers(): BrokerInfo[] {
    return [...this.cache.snapshot().brokers.values()].map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    }));
  }

  private current(): NonNullable<ZkMetadataStore['view']> {
    const snapshot = this.cache.snapshot();
    if (this.view?.snapshot === snapshot) return this.view;
    const topics: TopicState[] = [...snapshot.topics.values()].map((t) => ({
      name: t.name,
      topicId: t.topicId,
      internal: t.internal,
      configs: this.topicConfigs.get(t.name) ?? {},
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
        partitionEpoch: p.partitionEpoch,
        offlineReplicas: [...p.offlineReplicas],
      })),
    }));
    this.view = { snapshot, topics, byName: new Map(topics.map((t) => [t.name, t])) };
    return this.view;
  }

  topics(): TopicState[] {
    return this.current().topics;
  }

  topic(name: string): TopicState | undefined {
    return this.current().byName.get(name);
  }

  topicById(topicId: string): TopicState | undefined {
    const t = this.cache.snapshot().topicById(topicId);
    return t ? this.topic(t.name) : undefined;
  }

  topicOverrides(name: string): Record<string, string> | undefined {
    return this.topicConfigs.get(name);
  }

  brokerConfigs(): Record<string, string> {
    return { ...this.dynamicBrokerConfigs };
  }

  /** Makes sure the config overrides of `topics` are known (before their logs are opened). */
  async ensureTopicConfigs(topics: string[]): Promise<void> {
    for (const t of topics)
      if (!this.topicConfigs.has(t)) this.topicConfigs.set(t, await this.zk().entityConfigs('topics', t));
    this.view = undefined;
  }

  // ---- writes ----

  async createTopic(spec: NewTopic): Promise<TopicState> {
    const kzk = this.zk();
    let placed: Map<number, number[]> | undefined;
    if (!spec.assignments) {
      const live = [...(await kzk.liveBrokers()).values()].map((b) => ({
        nodeId: b.registration.id,
        rack: b.registration.rack,
      }));
      try {
        placed = assignReplicas(live, spec.partitions, Math.min(spec.replicationFactor, live.length));
      } catch (err) {
        if (err instanceof AssignmentError) throw new MetadataError(ErrorCode.INVALID_REPLICATION_FACTOR, err.message);
        throw err;
      }
    }
    const assignment = new Map<number, number[]>();
    for (let p = 0; p < spec.partitions; p++) {
      const replicas = spec.assignments?.[p] ?? placed?.get(p);
      if (!replicas) throw new MetadataError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `no replicas for partition ${p}`);
      assignment.set(p, replicas);
    }
    const topicId = randomBytes(16).toString('base64url');
    try {
      await kzk.createTopic(
        spec.name,
        { topicId, partitions: assignment, addingReplicas: new Map(), removingReplicas: new Map() },
        spec.configs,
      );
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErrorCode.NODE_EXISTS)
        throw new MetadataError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${spec.name}' already exists`);
      throw err;
    }
    this.topicConfigs.set(spec.name, { ...spec.configs });
    this.view = undefined;
    const ready = await this.waitFor(() => {
      const t = this.topic(spec.name);
      return t && t.partitions.length === spec.partitions && t.partitions.every((p) => p.leader >= 0) ? t : undefined;
    });
    return (
      ready ?? {
        name: spec.name,
        topicId,
        internal: spec.internal ?? false,
        configs: { ...spec.configs },
        partitions: [...assignment].map(([partition, replicas]) => ({
          partition,
          leader: -1,
          leaderEpoch: 0,
          replicas,
          isr: [],
        })),
      }
    );
  }

  async deleteTopic(name: string): Promise<TopicState> {
    const topic = this.topic(name);
    if (!topic || !(await this.zk().topicAssignment(name)))
      throw new MetadataError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
    await this.zk().markTopicForDeletion(name);
    await this.waitFor(() => (this.topic(name) ? undefined : true));
    return topic;
  }

  async createPartitions(name: string, total: number, assignments?: number[][]): Promise<TopicState> {
    const kzk = this.zk();
    const node = await kzk.zk.get(ZkPaths.topic(name));
    if (!node) throw new MetadataError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
    const current = TopicZNode.decode(name, node.data);
    const from = current.partitions.size;
    for (let p = from; p < total; p++) {
      const replicas = assignments?.[p - from];
      if (!replicas) throw new MetadataError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `no replicas for partition ${p}`);
      current.partitions.set(p, replicas);
    }
    try {
      await kzk.setTopicAssignment(name, current, node.stat.version);
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErrorCode.BAD_VERSION)
        throw new MetadataError(
          ErrorCode.REASSIGNMENT_IN_PROGRESS,
          `the assignment of '${name}' changed meanwhile; retry`,
        );
      throw err;
    }
    const ready = await this.waitFor(() => {
      const t = this.topic(name);
      return t && t.partitions.length >= total ? t : undefined;
    });
    return ready ?? this.topic(name)!;
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicState> {
    const topic = this.topic(name);
    if (!topic) throw new MetadataError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
    await this.zk().setEntityConfigs('topics', name, configs);
    this.applyTopicConfigs(name, configs);
    return this.topic(name)!;
  }

  async setBrokerConfigs(configs: Record<string, string>): Promise<void> {
    await this.zk().setEntityConfigs('brokers', BROKER_DEFAULT, configs);
    this.applyBrokerConfigs(configs);
  }

  async allocateProducerIds(size: number): Promise<number> {
    const block = await this.zk().allocateProducerIdBlock(this.selfId, size);
    return Number(block.start);
  }

  subscribe(listener: (event: MetadataEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    for (const wake of [...this.cacheWaiters]) wake();
  }

  // ---- internals ----

  private emit(event: MetadataEvent): void {
    for (const l of this.listeners) l(event);
  }

  private applyTopicConfigs(name: string, configs: Record<string, string>): void {
    this.topicConfigs.set(name, { ...configs });
    this.view = undefined;
    const topic = this.topic(name);
    if (topic) this.emit({ type: 'topic-configs-changed', topic });
  }

  private applyBrokerConfigs(configs: Record<string, string>): void {
    this.dynamicBrokerConfigs = { ...configs };
    this.emit({ type: 'broker-configs-changed', configs: this.brokerConfigs() });
  }

  /** Resolves with `check()`'s first defined answer after a cache change, or undefined after WAIT_MS. */
  private waitFor<T>(check: () => T | undefined): Promise<T | undefined> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (value: T | undefined): void => {
        clearTimeout(timer);
        this.cacheWaiters.delete(wake);
        resolve(value);
      };
      const wake = (): void => {
        const value = this.closed ? undefined : check();
        if (value !== undefined || this.closed) done(value);
      };
      const timer = setTimeout(() => done(undefined), WAIT_MS);
      this.cacheWaiters.add(wake);
    });
  }

  /** Applies config change notifications newer than the last seen, and watches for more. */
  private async followConfigChanges(): Promise<void> {
    if (this.closed) return;
    const kzk = this.zk();
    const children = await kzk.zk.children(ZkPaths.configChanges, () => {
      this.followConfigChanges().catch((err: unknown) => this.logger.warn({ err }, 'reading config changes failed'));
    });
    for (const child of children.sort()) {
      if (child <= this.lastConfigChange) continue;
      this.lastConfigChange = child;
      const path = `${ZkPaths.configChanges}/${child}`;
      const node = await kzk.zk.get(path);
      if (!node) continue;
      const { entityType, name } = ConfigChangeZNode.decode(path, node.data);
      const configs = await kzk.entityConfigs(entityType, name);
      if (entityType === 'topics') this.applyTopicConfigs(name, configs);
      else if (entityType === 'brokers' && (name === BROKER_DEFAULT || name === String(this.selfId)))
        this.applyBrokerConfigs(configs);
    }
  }
}
