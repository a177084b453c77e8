/**
 * Followers copying their leaders (Kafka's `ReplicaFetcherManager` and `ReplicaFetcherThread`):
 * for each leader broker, `num.replica.fetchers` loops, each owning a share of the partitions
 * this broker follows from it. A partition joining a loop first truncates its log to where it
 * agrees with the leader (OffsetForLeaderEpoch on its latest epoch), then the loop sends Fetch
 * requests carrying this broker's replica id and appends the batches exactly as the leader
 * holds them. The offset each fetch asks for is what tells the leader this follower has
 * everything before it (and so moves the high watermark and the ISR).
 */
import { BrokerConnection } from '@gregor/client';
import { ApiKey, ErrorCode, type FetchResponse } from '@gregor/protocol';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import type { Partition } from './partition.js';

export type EndpointLookup = (brokerId: number) => { host: string; port: number } | undefined;

interface Fetched {
  partition: Partition;
  /** True until the log was truncated to agree with this leader. */
  truncating: boolean;
  /** Not fetched again before this time (after an error). */
  retryAt: number;
}

const key = (p: Partition): string => `${p.topic}\u0000${p.index}`;

function hashOf(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return Math.abs(h);
}

export class ReplicaFetcherManager {
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  private readonly owner = new Map<string, ReplicaFetcher>();

  constructor(
    private readonly selfId: number,
    private readonly config: BrokerConfig,
    private readonly logger: Logger,
    private readonly endpoint: EndpointLookup,
  ) {}

  /** Starts (or restarts, after a leader change) fetching `partitions` from their leaders. */
  addPartitions(partitions: Partition[]): void {
    this.removePartitions(partitions);
    const n = this.config.int('num.replica.fetchers');
    for (const p of partitions) {
      const leader = p.state.leader;
      if (leader < 0 || leader === this.selfId) continue;
      const id = `${leader}:${(hashOf(p.topic) + p.index) % n}`;
      let fetcher = this.fetchers.get(id);
      if (!fetcher) {
        fetcher = new ReplicaFetcher(id, leader, this.selfId, this.config, this.logger, this.endpoint);
        this.fetchers.set(id, fetcher);
      }
      fetcher.add(p);
      this.owner.set(key(p), fetcher);
    }
  }

  removePartitions(partitions: { topic: string; index: number }[]): void {
    for (const p of partitions) {
      const k = `${p.topic}\u0000${p.index}`;
      const fetcher = this.owner.get(k);
      if (!fetcher) continue;
      fetcher.remove(k);
      this.owner.delete(k);
      if (fetcher.size === 0) {
        fetcher.stop();
        this.fetchers.delete(fetcher.id);
      }
    }
  }

  /** Partitions being fetched, with the leader each comes from. */
  fetching(): { topic: string; partition: number; leader: number }[] {
    return [...this.fetchers.values()].flatMap((f) => f.partitions().map((p) => ({ ...p, leader: f.leader })));
  }

  close(): void {
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
    this.owner.clear();
  }
}

class ReplicaFetcher {
  private readonly items = new Map<string, Fetched>();
  private connection: BrokerConnection | undefined;
  private running = true;
  private wake: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(
    readonly id: string,
    readonly leader: number,
    private readonly selfId: number,
    private readonly config: BrokerConfig,
    logger: Logger,
    private readonly endpoint: EndpointLookup,
  ) {
    this.logger = logger.child({ fetcher: id });
    void this.run();
  }

  get size(): number {
    return this.items.size;
  }

  partitions(): { topic: string; partition: number }[] {
    return [...this.items.values()].map((f) => ({ topic: f.partition.topic, partition: f.partition.index }));
  }

  add(partition: Partition): void {
    this.items.set(key(partition), { partition, truncating: true, retryAt: 0 });
    this.wake?.();
  }

  remove(k: string): void {
    this.items.delete(k);
  }

  stop(): void {
    this.running = false;
    this.connection?.close();
    this.wake?.();
  }

  private async run(): Promise<void> {
    const backoffMs = this.config.int('replica.fetch.backoff.ms');
    while (this.running) {
      try {
        if (this.items.size === 0) {
          await new Promise<void>((r) => (this.wake = r));
          continue;
        }
        const conn = await this.connect();
        const truncating = [...this.items.values()].filter((f) => f.truncating && f.retryAt <= Date.now());
        if (truncating.length > 0) await this.truncate(conn, truncating);
        const ready = [...this.items.values()].filter((f) => !f.truncating && f.retryAt <= Date.now());
        if (ready.length === 0) {
          await this.sleep(Math.min(backoffMs, 100));
          continue;
        }
        await this.fetch(conn, ready);
      } catch (err) {
        if (!this.running) break;
        this.logger.debug({ err }, `fetching from broker ${this.leader} failed; retrying`);
        this.connection?.close();
        this.connection = undefined;
        await this.sleep(backoffMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async connect(): Promise<BrokerConnection> {
    if (this.connection && !this.connection.isClosed) return this.connection;
    const at = this.endpoint(this.leader);
    if (!at) throw new Error(`no endpoint known for broker ${this.leader}`);
    this.connection = new BrokerConnection({
      host: at.host,
      port: at.port,
      clientId: `gregor-replica-fetcher-${this.selfId}`,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxInFlightRequests: 1,
    });
    await this.connection.connect();
    return this.connection;
  }

  /**
   * Brings each log back to where it agrees with the leader: the end of the latest epoch both
   * have (KIP-101), or the high watermark when this log has no epochs to compare.
   */
  private async truncate(conn: BrokerConnection, items: Fetched[]): Promise<void> {
    const byTopic = new Map<string, Fetched[]>();
    for (const f of items) {
      let list = byTopic.get(f.partition.topic);
      if (!list) byTopic.set(f.partition.topic, (list = []));
      list.push(f);
    }
    const res = await conn.send(ApiKey.OffsetForLeaderEpoch, {
      replicaId: this.selfId,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        partitions: list.map((f) => ({
          partition: f.partition.index,
          currentLeaderEpoch: f.partition.leaderEpoch,
          leaderEpoch: Math.max(f.partition.log.leaderEpoch, 0),
        })),
      })),
    });
    for (const t of res.topics)
      for (const r of t.partitions) {
        const f = this.items.get(`${t.topic}\u0000${r.partition}`);
        if (!f || !f.truncating) continue;
        if (r.errorCode !== ErrorCode.NONE) {
          f.retryAt = Date.now() + 200;
          continue;
        }
        const log = f.partition.log;
        const leaderEnd = Number(r.endOffset);
        let to: number;
        if (log.leaderEpoch < 0 || r.leaderEpoch < 0 || leaderEnd < 0) to = log.highWatermark;
        else if (r.leaderEpoch === log.leaderEpoch) to = Math.min(leaderEnd, log.logEndOffset);
        else to = Math.min(leaderEnd, log.endOffsetForEpoch(r.leaderEpoch).endOffset, log.logEndOffset);
        const before = log.logEndOffset;
        if (to < before && f.partition.truncateTo(to))
          this.logger.info(
            { topic: t.topic, partition: r.partition, from: before, to: log.logEndOffset, leader: this.leader },
            `truncated ${t.topic}-${r.partition} from ${before} to ${log.logEndOffset} to match leader ${this.leader}`,
          );
        f.truncating = false;
      }
  }

  private async fetch(conn: BrokerConnection, items: Fetched[]): Promise<void> {
    const byTopic = new Map<string, Fetched[]>();
    for (const f of items) {
      let list = byTopic.get(f.partition.topic);
      if (!list) byTopic.set(f.partition.topic, (list = []));
      list.push(f);
    }
    const maxWaitMs = this.config.int('replica.fetch.wait.max.ms');
    const partitionMaxBytes = this.config.int('replica.fetch.max.bytes');
    const res: FetchResponse = await conn.send(
      ApiKey.Fetch,
      {
        replicaId: this.selfId,
        maxWaitMs,
        minBytes: 1,
        maxBytes: this.config.int('replica.fetch.response.max.bytes'),
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          partitions: list.map((f) => ({
            partition: f.partition.index,
            currentLeaderEpoch: f.partition.leaderEpoch,
            fetchOffset: BigInt(f.partition.log.logEndOffset),
            logStartOffset: BigInt(f.partition.log.logStartOffset),
            partitionMaxBytes,
          })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      { maxVersion: 12, timeoutMs: maxWaitMs + 30_000 },
    );
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`fetch from broker ${this.leader}: error ${res.errorCode}`);
    for (const t of res.responses)
      for (const r of t.partitions) {
        const f = this.items.get(`${t.topic}\u0000${r.partitionIndex}`);
        if (f) this.apply(f, r);
      }
  }

  private apply(f: Fetched, r: FetchResponse['responses'][number]['partitions'][number]): void {
    const p = f.partition;
    switch (r.errorCode) {
      case ErrorCode.NONE:
        try {
          if (r.records && r.records.length > 0) p.appendAsFollower(r.records);
          p.updateFollowerHighWatermark(Number(r.highWatermark));
        } catch (err) {
          this.logger.warn(
            { err, topic: p.topic, partition: p.index },
            'appending replicated records failed; truncating',
          );
          f.truncating = true;
        }
        return;
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        const leaderStart = Number(r.logStartOffset);
        if (leaderStart > p.log.logEndOffset) {
          this.logger.info(
            { topic: p.topic, partition: p.index, leaderStart },
            `${p.topic}-${p.index} is behind the leader's log start: restarting the log at ${leaderStart}`,
          );
          p.truncateFullyAndStartAt(leaderStart);
        } else f.truncating = true;
        return;
      }
      default:
        // Not (yet) the leader's follower under this epoch: the controller's next request decides.
        f.retryAt = Date.now() + 200;
    }
  }
}
