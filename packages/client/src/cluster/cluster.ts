/**
 * The client's view of the cluster: brokers, topics and partition leaders from Metadata, and one
 * connection per broker. Metadata is fetched at start (from any bootstrap broker), when a caller
 * reports a stale leader or unknown topic (`invalidate`), and every `metadataMaxAgeMs`. Only the
 * topics some caller asked about are tracked, as Kafka's producer and consumer do.
 */
import { ApiKey, ErrorCode, isRetriable, type MetadataResponse } from '@gregor/protocol';
import { ConnectionError, KafkaClientError, KafkaError, ClientErrorCode } from '../errors.js';
import { BrokerConnection } from '../network/connection.js';
import { backoffMs, sleep } from '../util/async.js';
import { snapshotOf, type BrokerInfo, type MetadataSnapshot, type TopicInfo } from './metadata.js';
import { parseHostPort, type ResolvedClientOptions } from './options.js';

export interface ClusterOptions {
  /** Ask the broker to create unknown topics when fetching their metadata (producers: true). */
  allowAutoTopicCreation: boolean;
}

export class Cluster {
  private snapshot: MetadataSnapshot = {
    clusterId: null,
    controllerId: -1,
    brokers: new Map(),
    topics: new Map(),
    topicErrors: new Map(),
  };
  private readonly interest = new Set<string>();
  private readonly connections = new Map<number, BrokerConnection>();
  private readonly bootstrapConnections = new Map<string, BrokerConnection>();
  private refreshing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    readonly options: ResolvedClientOptions,
    private readonly clusterOptions: ClusterOptions = { allowAutoTopicCreation: false },
  ) {
    this.timer = setInterval(() => this.invalidate(), options.metadataMaxAgeMs);
    this.timer.unref();
  }

  get metadata(): MetadataSnapshot {
    return this.snapshot;
  }

  /** Fetches metadata once, proving a bootstrap broker is reachable. */
  async connect(): Promise<void> {
    await this.refreshMetadata();
  }

  /** Schedules a metadata refresh without waiting for it (errors are kept for the next caller). */
  invalidate(): void {
    this.refreshMetadata().catch(() => undefined);
  }

  /**
   * Fetches metadata for every tracked topic plus `topics`. A call arriving while a refresh runs
   * waits for it and then shares the next one, so it sees data requested after its call.
   */
  async refreshMetadata(topics: readonly string[] = []): Promise<void> {
    for (const t of topics) this.interest.add(t);
    const running = this.refreshing;
    if (running !== null) {
      await running.catch(() => undefined);
      // Another waiter may already have started the next refresh; share it.
      const next = this.refreshing as Promise<void> | null;
      if (next !== null) return next;
    }
    this.refreshing = this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const res = await this.fetchMetadata([...this.interest], this.clusterOptions.allowAutoTopicCreation);
    this.snapshot = snapshotOf(res);
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every metadata update (e.g. to fetch from newly known leaders). */
  onMetadataUpdate(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A raw Metadata request; `null` topics means all. Does not change the tracked snapshot. */
  async fetchMetadata(topics: readonly string[] | null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
    const conn = await this.anyConnection();
    return conn.send(ApiKey.Metadata, (version) => ({
      topics: topics === null ? null : topics.map((name) => ({ name })),
      // v1-3 always auto-create, as the broker is configured to.
      allowAutoTopicCreation: version >= 4 ? allowAutoTopicCreation : true,
    }));
  }

  /**
   * A topic's metadata, fetched when not yet known. Retriable errors (a leader being elected,
   * a topic being auto-created) are retried until the request timeout; others are thrown.
   */
  async topic(name: string): Promise<TopicInfo> {
    const known = this.snapshot.topics.get(name);
    if (known && this.interest.has(name)) return known;
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      await this.refreshMetadata([name]);
      const info = this.snapshot.topics.get(name);
      if (info && info.partitions.length > 0) return info;
      const code = this.snapshot.topicErrors.get(name) ?? ErrorCode.LEADER_NOT_AVAILABLE;
      const retry =
        isRetriable(code) &&
        (code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || this.clusterOptions.allowAutoTopicCreation);
      if (!retry || Date.now() >= deadline) {
        this.interest.delete(name);
        throw new KafkaError(code, 'topic metadata', { topic: name });
      }
      await sleep(backoffMs(attempt, this.options.retryBackoffMs, this.options.retryBackoffMaxMs));
    }
  }

  /** Stops tracking topics nobody uses any more. */
  forget(topic: string): void {
    this.interest.delete(topic);
  }

  /** The leader's node id, or undefined while unknown or being elected. */
  leaderOf(topic: string, partition: number): number | undefined {
    const leader = this.snapshot.topics.get(topic)?.partitions[partition]?.leader;
    return leader === undefined || leader < 0 ? undefined : leader;
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.snapshot.brokers.get(nodeId);
  }

  /** The connection to a broker by node id, opened (and versions negotiated) on first use. */
  async connectionTo(nodeId: number): Promise<BrokerConnection> {
    this.ensureOpen();
    let conn = this.connections.get(nodeId);
    if (!conn || conn.isClosed) {
      const info = this.snapshot.brokers.get(nodeId);
      if (!info) {
        this.invalidate();
        throw new ConnectionError(`node ${nodeId}`, 'broker not in metadata');
      }
      conn = this.newConnection(info.host, info.port);
      this.connections.set(nodeId, conn);
      conn.onClose(() => {
        if (this.connections.get(nodeId) === conn) this.connections.delete(nodeId);
      });
    }
    await conn.connect();
    return conn;
  }

  /** Any usable connection: an open one to a known broker, else known brokers, else the bootstrap list. */
  async anyConnection(): Promise<BrokerConnection> {
    this.ensureOpen();
    const errors: unknown[] = [];
    // An open connection may be to a broker that just died (still connecting, or not yet closed).
    const failed = new Set<number>();
    for (const [nodeId, conn] of [...this.connections].filter(([, c]) => !c.isClosed)) {
      try {
        await conn.connect();
        return conn;
      } catch (e) {
        failed.add(nodeId);
        errors.push(e);
      }
    }
    for (const nodeId of this.snapshot.brokers.keys()) {
      if (failed.has(nodeId)) continue;
      try {
        return await this.connectionTo(nodeId);
      } catch (e) {
        errors.push(e);
      }
    }
    for (const address of this.options.brokers) {
      try {
        let conn = this.bootstrapConnections.get(address);
        if (!conn || conn.isClosed) {
          const { host, port } = parseHostPort(address);
          conn = this.newConnection(host, port);
          this.bootstrapConnections.set(address, conn);
        }
        await conn.connect();
        return conn;
      } catch (e) {
        errors.push(e);
      }
    }
    const last = errors[errors.length - 1];
    if (last instanceof KafkaError) throw last;
    throw new KafkaClientError(ClientErrorCode.NoBrokers, `no broker reachable (${this.options.brokers.join(', ')})`, {
      cause: last,
    });
  }

  /** The controller (for topic administration), or any broker when none is reported. */
  async controllerConnection(): Promise<BrokerConnection> {
    const id = this.snapshot.controllerId;
    if (id >= 0 && this.snapshot.brokers.has(id)) return this.connectionTo(id);
    return this.anyConnection();
  }

  /**
   * A new connection the cluster does not track or share (a group member's coordinator
   * connection, where a JoinGroup may wait minutes and must not hold up fetches). The caller closes it.
   */
  openConnection(host: string, port: number): BrokerConnection {
    this.ensureOpen();
    return this.newConnection(host, port);
  }

  private newConnection(host: string, port: number): BrokerConnection {
    const o = this.options;
    return new BrokerConnection({
      host,
      port,
      clientId: o.clientId,
      connectTimeoutMs: o.connectTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      maxInFlightRequests: o.maxInFlightRequests,
    });
  }

  private ensureOpen(): void {
    if (this.closed) throw new KafkaClientError(ClientErrorCode.Closed, 'the client is closed');
  }

  /** Closes every connection; further requests fail with ERR_CLOSED. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const c of this.connections.values()) c.close();
    for (const c of this.bootstrapConnections.values()) c.close();
    this.connections.clear();
    this.bootstrapConnections.clear();
  }
}
